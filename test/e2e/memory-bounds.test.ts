/**
 * Archives that once exceeded a worker's memory limit, ingested with the default settings:
 * - one log file far larger than usual (CloudTrail writes files of 100+ MB in bursts): a partitioned
 *   COPY buffered the whole 190 MB object as one row group;
 * - a sparse archive, one small file a day for a year: one batch spanned hundreds of days and a
 *   partitioned COPY keeps buffers for every day it has open (now batches are cut by day);
 * - the same year of events in one file (an export): the worker writes its days a few at a time.
 */
import { createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { ALNUM, Rng } from '../../fixtures/generator/rng.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';

const RECORDS = 120_000;

/** The document's text in pieces of ~1,000 records, so the test never holds all 190 MB. */
function* bigDocument(rng: Rng): Generator<string> {
  yield '{"Records":[';
  let piece: string[] = [];
  let separator = '';
  const two = (n: number): string => String(n).padStart(2, '0');
  for (let i = 0; i < RECORDS; i++) {
    piece.push(
      JSON.stringify({
        eventVersion: '1.11',
        eventTime: `2026-11-17T10:${two(Math.floor((i % 3600) / 60))}:${two(i % 60)}Z`,
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        eventID: `big-${String(i)}`,
        requestParameters: { bucketName: 'training-data', key: rng.chars(1400, ALNUM) },
      }),
    );
    if (piece.length === 1000 || i === RECORDS - 1) {
      yield separator + piece.join(',');
      separator = ',';
      piece = [];
    }
  }
  yield ']}';
}

describe('a single very large log file', () => {
  const dir = tempDir('large');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/17';
  const file = path.join(
    archive,
    key,
    '111122223333_CloudTrail_us-east-1_20261117T1005Z_BigBurstFile0001.json.gz',
  );
  let result: { code: number | null; stderr: string };

  beforeAll(async () => {
    mkdirSync(path.join(archive, key), { recursive: true });
    await pipeline(bigDocument(new Rng(5)), createGzip({ level: 1 }), createWriteStream(file));
    result = await ctlake(['ingest', archive, '--lake', lake, '--quiet']);
  }, 120_000);

  it('is ingested whole with the default worker memory', async () => {
    expect(result.stderr).not.toContain('Out of Memory');
    expect(result.code).toBe(0);
    const [row] = await queryRows(
      lake,
      `SELECT count(*) AS n, count(DISTINCT "recordIndex") AS indexes, max(length("eventJson")) > 1400 AS whole
       FROM cloudtrail`,
    );
    expect(row).toEqual({ n: RECORDS, indexes: RECORDS, whole: true });
  });
});

/** Every event of the lake in its day's partition, and how many days there are. */
async function partitionCheck(lake: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT event_date) > 300 AS year,
              count(*) FILTER (WHERE event_date <> strftime("eventTime", '%Y-%m-%d'))::INTEGER AS misplaced
       FROM read_parquet($1, hive_partitioning = true, hive_types = {'event_date': 'VARCHAR'})`,
      [path.join(lake, 'events', '**', '*.parquet')],
    );
    return reader.getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Parts the worker wrote a few days at a time, after its batch ran out of memory at once. */
function dayGroupParts(lake: string): string[] {
  return readdirSync(path.join(lake, 'events'), { recursive: true })
    .map(String)
    .filter((p) => /-d\d+-\d+\.parquet$/.test(p));
}

describe('a year of events: one small file a day, then all in one file', () => {
  const dir = tempDir('sparse');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  const oneFileArchive = path.join(dir, 'one-file');
  const oneFileLake = path.join(dir, 'one-file-lake');
  let events = 0;
  let sparse: { code: number | null; stderr: string };
  let oneFile: { code: number | null; stderr: string };

  beforeAll(async () => {
    const manifest = await generateArchive({
      outDir: archive,
      events: 600,
      seed: 11,
      end: new Date('2026-11-23T00:00:00Z'),
      days: 365,
    });
    events = manifest.events + manifest.insightEvents;
    sparse = await ctlake(['ingest', archive, '--lake', lake, '--quiet', '--workers', '1']);

    // The same events exported into one log file.
    const files = readdirSync(archive, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json.gz') && !f.includes('Digest'))
      .sort();
    const records = files.flatMap(
      (f) =>
        (
          JSON.parse(gunzipSync(readFileSync(path.join(archive, f))).toString()) as {
            Records: unknown[];
          }
        ).Records,
    );
    const key = path.join(oneFileArchive, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23');
    mkdirSync(key, { recursive: true });
    writeFileSync(
      path.join(key, '111122223333_CloudTrail_us-east-1_20261123T0000Z_YearExport00001.json.gz'),
      gzipSync(JSON.stringify({ Records: records })),
    );
    oneFile = await ctlake(['ingest', oneFileArchive, '--lake', oneFileLake, '--quiet']);
  }, 180_000);

  it('ingests the sparse archive whole, in batches of a few days (no out-of-memory retry)', async () => {
    expect(sparse.stderr).not.toContain('Out of Memory');
    expect(sparse.code).toBe(0);
    expect(await partitionCheck(lake)).toEqual([{ n: events, year: true, misplaced: 0 }]);
    expect(dayGroupParts(lake)).toEqual([]);
  });

  it('ingests the one-file export whole, its days written a few at a time', async () => {
    expect(oneFile.stderr).not.toContain('Out of Memory');
    expect(oneFile.code).toBe(0);
    expect(await partitionCheck(oneFileLake)).toEqual([{ n: events, year: true, misplaced: 0 }]);
    expect(dayGroupParts(oneFileLake).length).toBeGreaterThan(0);
  });
});
