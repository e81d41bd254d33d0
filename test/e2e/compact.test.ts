import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { ctlake, tempDir } from '../util/cli.js';
import { type LakeFingerprint, fingerprint } from '../util/lake-fingerprint.js';

function dayFiles(lake: string): Map<string, string[]> {
  const events = path.join(lake, 'events');
  return new Map(
    readdirSync(events).map((day) => [day, readdirSync(path.join(events, day)).sort()]),
  );
}

/** Per file: distinct (eventSource, eventName) pairs, and how many runs of equal pairs it holds. */
async function clustering(
  lake: string,
): Promise<{ file: string; pairs: number; runs: number; ordered: boolean }[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `WITH r AS (
         SELECT filename, file_row_number AS n, coalesce("eventSource", '') AS src, coalesce("eventName", '') AS name
         FROM read_parquet($1, filename = true, file_row_number = true, hive_partitioning = false)),
       s AS (SELECT filename, src, name,
                    lag(src) OVER (PARTITION BY filename ORDER BY n) AS prev_src,
                    lag(name) OVER (PARTITION BY filename ORDER BY n) AS prev_name FROM r)
       SELECT filename AS file, count(DISTINCT (src, name))::INTEGER AS pairs,
              count(*) FILTER (WHERE prev_src IS NULL OR prev_src <> src OR prev_name <> name)::INTEGER AS runs,
              bool_and(prev_src IS NULL OR prev_src < src OR (prev_src = src AND prev_name <= name)) AS ordered
       FROM s GROUP BY filename ORDER BY filename`,
      [path.join(lake, 'events', '*', '*.parquet')],
    );
    return reader.getRowObjectsJS() as {
      file: string;
      pairs: number;
      runs: number;
      ordered: boolean;
    }[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('ctlake compact', () => {
  const dir = tempDir('compact');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  let before: LakeFingerprint;
  let queryBefore: string;
  let partsBefore = 0;
  const namedQueryJson = async (): Promise<string> =>
    (
      await ctlake([
        'query',
        '--lake',
        lake,
        '--name',
        'bedrock-invocations-by-principal-and-model',
        '--format',
        'json',
      ])
    ).stdout;

  beforeAll(async () => {
    await generateArchive({
      outDir: archive,
      events: 20_000,
      seed: 21,
      end: new Date('2026-11-20T00:00:00Z'),
      days: 3,
    });
    // Batches cut by size, object count and delivery day leave several parts per day, as a
    // long-running trail does (asserted below).
    const ingest = await ctlake(['ingest', archive, '--lake', lake, '--quiet', '--workers', '2']);
    expect(ingest.code).toBe(0);
    before = await fingerprint(lake);
    queryBefore = await namedQueryJson();
    partsBefore = [...dayFiles(lake).values()].reduce((n, f) => n + f.length, 0);
  }, 120_000);

  it('leaves the lake unchanged when it runs out of memory', async () => {
    const result = await ctlake(['compact', '--lake', lake, '--memory', '64MB']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ctlake: compacting event_date=\S+ needs more memory than 64MB \(raise --memory\)/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await fingerprint(lake)).toEqual(before);
  });

  it('rewrites each day into one part with the same rows', async () => {
    const result = await ctlake(['compact', '--lake', lake]);
    expect(result.code).toBe(0);
    const days = dayFiles(lake);
    expect(partsBefore).toBeGreaterThan(days.size);
    expect(result.stderr).toContain(
      `compacted: ${String(days.size)} days, ${String(partsBefore)} parts → ${String(days.size)}`,
    );
    for (const files of days.values())
      expect(files).toEqual([expect.stringMatching(/^compact-r\d+\.parquet$/)]);
    expect(await fingerprint(lake)).toEqual(before);
    expect(await namedQueryJson()).toBe(queryBefore);
  });

  it('clusters each part by eventSource then eventName', async () => {
    const files = await clustering(lake);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f.runs, f.file).toBe(f.pairs);
      expect(f.ordered, f.file).toBe(true);
    }
  });

  it('has nothing to do the second time', async () => {
    const result = await ctlake(['compact', '--lake', lake]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('compact: nothing to do');
  });

  it('keeps incremental ingest working: a changed object replaces its rows in the compacted part', async () => {
    const logs = readdirSync(archive, { recursive: true })
      .map(String)
      .filter((f) => f.includes('/CloudTrail/') && f.endsWith('.json.gz'))
      .sort();
    const records = (file: string): unknown[] =>
      (
        JSON.parse(gunzipSync(readFileSync(path.join(archive, file))).toString('utf8')) as {
          Records: unknown[];
        }
      ).Records;
    const victimKey = logs.find((f) => records(f).length > 1) ?? '';
    const victim = path.join(archive, victimKey);
    const doc = { Records: records(victimKey) };
    expect(doc.Records.length).toBeGreaterThan(1);
    writeFileSync(victim, gzipSync(JSON.stringify({ Records: doc.Records.slice(1) })));
    const ingest = await ctlake(['ingest', archive, '--lake', lake, '--quiet']);
    expect(ingest.code).toBe(0);
    expect((await fingerprint(lake)).rows).toBe(before.rows - 1);
    const again = await ctlake(['compact', '--lake', lake]);
    expect(again.code).toBe(0);
    expect((await fingerprint(lake)).rows).toBe(before.rows - 1);
    for (const files of dayFiles(lake).values()) expect(files).toHaveLength(1);
  });
});

describe('ctlake compact on a day with hundreds of distinct API calls', () => {
  const dir = tempDir('compact-pairs');
  const archive = path.join(dir, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20');
  const lake = path.join(dir, 'lake');
  const PAIRS = 600;

  beforeAll(async () => {
    mkdirSync(archive, { recursive: true });
    for (let f = 0; f < 6; f++) {
      const records = Array.from({ length: 1000 }, (_, i) => {
        const k = (f * 1000 + i) % PAIRS;
        return {
          eventVersion: '1.09',
          eventTime: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00Z`,
          eventSource: `svc${String(k % 40)}.amazonaws.com`,
          eventName: `Action${String(k)}`,
          eventID: `e${String(f)}-${String(i)}`,
        };
      });
      writeFileSync(
        path.join(
          archive,
          `111122223333_CloudTrail_us-east-1_20261120T10${String(f)}0Z_pairs${String(f)}.json.gz`,
        ),
        gzipSync(JSON.stringify({ Records: records })),
      );
    }
    const ingest = await ctlake(['ingest', dir, '--lake', lake, '--quiet']);
    expect(ingest.code).toBe(0);
  }, 120_000);

  it('spreads the pairs a few dozen at a time and stays within its memory', async () => {
    const before = await fingerprint(lake);
    const result = await ctlake(['compact', '--lake', lake]);
    expect(result.stderr).not.toContain('Out of Memory');
    expect(result.code).toBe(0);
    expect(await fingerprint(lake)).toEqual(before);
    const [file] = await clustering(lake);
    expect(file).toMatchObject({ pairs: PAIRS, runs: PAIRS, ordered: true });
  });
});
