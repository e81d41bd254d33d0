/**
 * `ctlake ddl` from the command line, and the one engine this machine runs: the DuckDB view it
 * prints, run in a DuckDB of its own over a lake, has the event table's columns and types and
 * reads the same rows as ctlake's queries. (The Athena, Trino and Spark DDL are parsed with their
 * grammars in test/unit/trino-sql.test.ts.)
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { lakeDdl } from '../../src/scale/ddl.js';
import { eventTableDdl } from '../../src/schema/transform.js';
import { ctlake, tempDir } from '../util/cli.js';
import { fingerprint, type LakeFingerprint } from '../util/lake-fingerprint.js';

type Row = Record<string, unknown>;

/** Runs `setup` (the printed DDL) in a fresh in-memory DuckDB, then each query. */
async function inDuckdb(setup: string, queries: readonly string[]): Promise<Row[][]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(setup);
    const results: Row[][] = [];
    for (const sql of queries) {
      results.push((await connection.runAndReadAll(sql)).getRowObjectsJS());
    }
    return results;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('ctlake ddl', () => {
  const dir = tempDir('ddl');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  let expected: LakeFingerprint;

  beforeAll(async () => {
    await generateArchive({
      outDir: archive,
      events: 2_000,
      seed: 20,
      end: new Date('2026-10-02T00:00:00Z'),
      days: 2,
    });
    const ingest = await ctlake(['ingest', archive, '--lake', lake, '--quiet', '--workers', '1']);
    expect(ingest.code, ingest.stderr).toBe(0);
    expected = await fingerprint(lake);
  }, 120_000);

  it('--engine duckdb: a view that reads the same rows, with the partition day', async () => {
    const result = await ctlake(['ddl', '--engine', 'duckdb', '--lake', lake]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const [view] = await inDuckdb(result.stdout, [
      `SELECT count(*) AS rows, count(DISTINCT ("sourceObject", "recordIndex")) AS keys,
              md5(coalesce(string_agg("sourceObject" || '#' || "recordIndex" || '#' || "eventJsonChecksum", ','
                  ORDER BY "sourceObject", "recordIndex"), '')) AS digest,
              count(DISTINCT event_date) AS days,
              count(*) FILTER (WHERE event_date IS DISTINCT FROM strftime("eventTime", '%Y-%m-%d')) AS misfiled
       FROM cloudtrail`,
    ]);
    const row: Row = view?.[0] ?? {};
    expect({ rows: Number(row['rows']), keys: Number(row['keys']), digest: row['digest'] }).toEqual(
      expected,
    );
    expect(expected.rows).toBeGreaterThan(2_000);
    expect(Number(row['days'])).toBeGreaterThanOrEqual(2);
    expect(Number(row['misfiled'])).toBe(0);
  });

  it('--engine duckdb: the columns and types of the event table, then event_date', async () => {
    const view = (await ctlake(['ddl', '--engine', 'duckdb', '--lake', lake])).stdout;
    const schema = eventTableDdl().replace(/^CREATE TABLE \S+/, 'CREATE TABLE expected');
    const describe = (name: string): string =>
      `SELECT column_name, column_type FROM (DESCRIBE ${name})`;
    const [actual, wanted] = await inDuckdb(`${view}\n${schema};`, [
      describe('cloudtrail'),
      describe('expected'),
    ]);
    expect(actual).toEqual([
      ...(wanted ?? []),
      { column_name: 'event_date', column_type: 'VARCHAR' },
    ]);
  });

  it('prints what the library returns', async () => {
    const args = { location: 's3://audit-bucket/lake', table: 'hive.audit.cloudtrail' };
    const result = await ctlake([
      'ddl',
      '--engine',
      'trino',
      '--location',
      args.location,
      '--table',
      args.table,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(lakeDdl({ engine: 'trino', ...args }));
  });

  it.each([
    [
      ['--engine', 'athena'],
      'ctlake: athena reads S3 only: give --location s3://bucket/prefix, where the lake is copied\n',
    ],
    [
      ['--engine', 'spark', '--table', 'a.b.c.d'],
      'ctlake: --table a.b.c.d: expected a name such as cloudtrail or audit.cloudtrail (letters, digits and _, at most 3 parts for spark)\n',
    ],
    [[], "error: required option '--engine <engine>' not specified\n"],
    [
      ['--engine', 'oracle'],
      "error: option '--engine <engine>' argument 'oracle' is invalid. Allowed choices are athena, trino, spark, duckdb.\n",
    ],
  ])('refuses %j with one line and status 2', async (args, message) => {
    const result = await ctlake(['ddl', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(message);
  });
});
