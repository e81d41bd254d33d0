/**
 * One log file far larger than usual (CloudTrail writes files of 100+ MB in bursts): a 190 MB
 * object once made the worker's DuckDB run out of memory, because a partitioned COPY buffered
 * the whole object as one row group. It must ingest whole with the default settings.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
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
