import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveManifest, generateArchive } from '../../fixtures/generator/archive.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';

/** `(N objects left to other shards` from an ingest's summary line. */
function leftToOthers(stderr: string): number {
  return Number(/(\d+) objects left to other shards/.exec(stderr)?.[1] ?? 0);
}

function objectsRead(stderr: string): number {
  return Number(/ingested: (\d+) objects/.exec(stderr)?.[1] ?? Number.NaN);
}

describe('ingest --shard i/n', () => {
  const dir = tempDir('shard');
  const archive = path.join(dir, 'archive');
  const lakes = [path.join(dir, 'lake-0'), path.join(dir, 'lake-1')];
  let manifest: ArchiveManifest;
  let runs: { code: number | null; stderr: string }[];

  beforeAll(async () => {
    manifest = await generateArchive({
      outDir: archive,
      events: 300,
      seed: 20,
      end: new Date('2026-11-20T12:00:00Z'),
      days: 1,
    });
    runs = await Promise.all(
      lakes.map((lake, i) =>
        ctlake(['ingest', archive, '--lake', lake, '--shard', `${i}/2`, '--workers', '1']),
      ),
    );
  });

  it('splits the objects in two: each read by one shard, left by the other', () => {
    const objects = manifest.logFiles + manifest.insightFiles;
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [first, second] = runs.map((run) => run.stderr);
    expect(objectsRead(first ?? '') + objectsRead(second ?? '')).toBe(objects);
    expect(leftToOthers(first ?? '')).toBe(objectsRead(second ?? ''));
    expect(leftToOthers(second ?? '')).toBe(objectsRead(first ?? ''));
    // Both shards have objects to read: the split is not degenerate.
    expect(objectsRead(first ?? '')).toBeGreaterThan(0);
    expect(objectsRead(second ?? '')).toBeGreaterThan(0);
  });

  it("holds every event once across the two lakes, as one machine's ingest would", async () => {
    const keys = await Promise.all(
      lakes.map(async (lake) =>
        (
          await queryRows(lake, `SELECT "sourceObject" AS o, "recordIndex" AS i FROM cloudtrail`)
        ).map((row) => `${String(row['o'])}#${String(row['i'])}`),
      ),
    );
    const [zero = [], one = []] = keys;
    expect(zero.length + one.length).toBe(manifest.events + manifest.insightEvents);
    const inZero = new Set(zero);
    expect(new Set(zero).size).toBe(zero.length);
    expect(one.filter((key) => inZero.has(key))).toEqual([]);
  });

  it('records only its own objects: a re-run reads nothing and still leaves the rest', async () => {
    const again = await ctlake(['ingest', archive, '--lake', lakes[0] ?? '', '--shard', '0/2']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/ingested: 0 objects, 0 events/);
    expect(again.stderr).toContain(
      `${String(objectsRead(runs[0]?.stderr ?? ''))} already in the lake`,
    );
    expect(leftToOthers(again.stderr)).toBe(objectsRead(runs[1]?.stderr ?? ''));
  });

  it.each(['2/2', '0/0', '-1/2', 'x'])('refuses --shard %s in one line, exit 2', async (spec) => {
    const result = await ctlake([
      'ingest',
      archive,
      '--lake',
      path.join(dir, 'refused'),
      '--shard',
      spec,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('expected i/n, whole numbers with 0 ≤ i < n');
  });
});
