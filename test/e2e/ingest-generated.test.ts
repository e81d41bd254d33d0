import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveManifest, generateArchive } from '../../fixtures/generator/archive.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';

const END = new Date('2026-11-20T12:00:00Z');

describe('ingest of a generated archive in CloudTrail S3 layout', () => {
  const dir = tempDir('gen');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  let manifest: ArchiveManifest;
  let first: { code: number | null; stderr: string };

  beforeAll(async () => {
    manifest = await generateArchive({
      outDir: archive,
      events: 30_000,
      seed: 7,
      end: END,
      days: 3,
    });
    first = await ctlake(['ingest', archive, '--lake', lake, '--workers', '2']);
  });

  it('ingests every log and Insight event and skips digest files', async () => {
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`${manifest.events + manifest.insightEvents} events`);
    // A digest and its `.json.gz.metadata.json` signature sidecar count as one digest.
    expect(first.stderr).toContain(`${manifest.digestFiles} digest files skipped`);
    const [row] = await queryRows(
      lake,
      `SELECT count(*) AS n, count(DISTINCT ("sourceObject", "recordIndex")) AS keys, count("eventTime") AS timed,
              count(*) FILTER (WHERE "eventType" = 'AwsCloudTrailInsight') AS insights,
              count(*) FILTER (WHERE "sourceObject" LIKE '%CloudTrail-Digest%') AS digest_rows
       FROM cloudtrail`,
    );
    expect(row).toEqual({
      n: manifest.events + manifest.insightEvents,
      keys: manifest.events + manifest.insightEvents,
      timed: manifest.events + manifest.insightEvents,
      insights: manifest.insightEvents,
      digest_rows: 0,
    });
  });

  it('adds nothing when run again', async () => {
    const again = await ctlake(['ingest', archive, '--lake', lake]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/ingested: 0 objects, 0 events/);
    const [row] = await queryRows(lake, 'SELECT count(*) AS n FROM cloudtrail');
    expect(row?.['n']).toBe(manifest.events + manifest.insightEvents);
  });

  it('counts what the generator wrote, per event source and name', async () => {
    const rows = await queryRows(
      lake,
      `SELECT "eventSource" || ' ' || "eventName" AS k, count(*) AS n FROM cloudtrail
       WHERE "eventType" <> 'AwsCloudTrailInsight' GROUP BY 1`,
    );
    expect(Object.fromEntries(rows.map((r) => [r['k'], r['n']]))).toEqual(manifest.counts);
  });

  it('keeps GenAI data events with their identities, parameters and resources', async () => {
    const planted = manifest.planted.filter((p) => p.eventName === 'StartCodeAnalysis');
    const rows = await queryRows(
      lake,
      `SELECT "userIdentity".onbehalfof.userid AS user_id, count(*) AS n FROM cloudtrail
       WHERE "eventName" = 'StartCodeAnalysis' GROUP BY 1 ORDER BY 1`,
    );
    const expected = new Map<string, number>();
    for (const p of planted) expected.set(p.userId ?? '', (expected.get(p.userId ?? '') ?? 0) + 1);
    expect(rows).toEqual([...expected].sort().map(([user_id, n]) => ({ user_id, n })));
    const [agent] = await queryRows(
      lake,
      `SELECT map_extract_value("requestParameters", 'agentId') AS agent, "resources"[1].type AS type
       FROM cloudtrail WHERE "eventName" = 'InvokeAgent' LIMIT 1`,
    );
    expect(agent).toEqual({ agent: 'AGENT0EC2P', type: 'AWS::Bedrock::AgentAlias' });
  });

  it('keeps fields the schema does not know in eventJson', async () => {
    const rows = await queryRows(
      lake,
      `SELECT "eventJson" FROM cloudtrail WHERE "eventJson" LIKE '%"eventOrigin"%' LIMIT 3`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows)
      expect(JSON.parse(String(r['eventJson']))).toHaveProperty('eventOrigin.futureField', true);
  });

  it('writes Hive-partitioned zstd Parquet and a catalog', async () => {
    const parts = await queryRows(
      lake,
      `SELECT count(DISTINCT "sourceObject") AS objects FROM cloudtrail`,
    );
    expect(parts[0]?.['objects']).toBe(manifest.logFiles + manifest.insightFiles);
    expect(readFileSync(path.join(lake, 'catalog.duckdb')).length).toBeGreaterThan(0);
    // Every part sits in the folder of its events' day, and every column chunk is zstd.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const files = readdirSync(path.join(lake, 'events'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.parquet'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files)
        expect(file).toMatch(/^event_date=\d{4}-\d\d-\d\d\/[^/]+\.parquet$/);
      const glob = path.join(lake, 'events', '*', '*.parquet');
      const [placement] = (
        await connection.runAndReadAll(
          `SELECT count(*) FILTER (WHERE event_date <> strftime("eventTime", '%Y-%m-%d'))::INTEGER AS misplaced,
                  count(*)::INTEGER AS n
           FROM read_parquet($1, hive_partitioning = true, hive_types = {'event_date': 'VARCHAR'})`,
          [glob],
        )
      ).getRowObjectsJS();
      expect(placement).toEqual({ misplaced: 0, n: manifest.events + manifest.insightEvents });
      const codecs = (
        await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata($1)`, [
          glob,
        ])
      ).getRowsJS();
      expect(codecs).toEqual([['ZSTD']]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('prints json, ndjson and csv', async () => {
    const sql = `SELECT "eventTime", "eventName", "userIdentity".type AS t FROM cloudtrail ORDER BY "eventTime", "eventID" LIMIT 2`;
    const json = await ctlake(['query', '--lake', lake, '--format', 'json', sql]);
    const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    expect(String(rows[0]?.['eventTime'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const ndjson = await ctlake(['query', '--lake', lake, '--format', 'ndjson', sql]);
    expect(
      ndjson.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(rows);
    const csv = await ctlake(['query', '--lake', lake, '--format', 'csv', sql]);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('eventTime,eventName,t');
    expect(lines).toHaveLength(3);
  });
});

describe('batches whose events the text suggests are on one day', () => {
  const dir = tempDir('one-day');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  const key = path.join(archive, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/19');
  const event = (id: string, eventTime: string, extra: object = {}): object => ({
    eventVersion: '1.11',
    ...extra,
    eventTime,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    eventID: id,
  });

  beforeAll(() => {
    mkdirSync(key, { recursive: true });
    const write = (name: string, records: object[]): void => {
      writeFileSync(
        path.join(key, `111122223333_CloudTrail_us-east-1_20261119T${name}.json.gz`),
        gzipSync(JSON.stringify({ Records: records })),
      );
    };
    // The first "eventTime" in the text of `fooled` is a request parameter on the 19th; the
    // event itself is on the 18th. The one-day statement must notice and fall back.
    write('1000Z_A', [event('a', '2026-11-19T10:00:00Z')]);
    write('1005Z_B', [
      event('fooled', '2026-11-18T23:59:59Z', {
        requestParameters: { eventTime: '2026-11-19T10:00:00Z' },
      }),
      event('b', '2026-11-19T10:05:00.5Z'),
    ]);
  });

  it('puts every event in the partition of its own day, even when the hint is wrong', async () => {
    const result = await ctlake(['ingest', archive, '--lake', lake, '--workers', '1']);
    expect(result.code).toBe(0);
    const rows = await queryRows(
      lake,
      `SELECT "eventID" AS id, strftime("eventTime", '%Y-%m-%d') AS day,
              regexp_extract("sourceObject", '.*_(.)\\.json\\.gz$', 1) AS file
       FROM cloudtrail ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 'a', day: '2026-11-19', file: 'A' },
      { id: 'b', day: '2026-11-19', file: 'B' },
      { id: 'fooled', day: '2026-11-18', file: 'B' },
    ]);
    const parts = readdirSync(path.join(lake, 'events')).sort();
    expect(parts).toEqual(['event_date=2026-11-18', 'event_date=2026-11-19']);
  });
});
