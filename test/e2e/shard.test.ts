import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveManifest, generateArchive } from '../../fixtures/generator/archive.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';
import { catalogEvents, catalogRows, fingerprint } from '../util/lake-fingerprint.js';

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

  describe('merge', () => {
    const single = path.join(dir, 'single');
    const merged = path.join(dir, 'merged');
    let mergeRun: { code: number | null; stderr: string };
    let before: Awaited<ReturnType<typeof fingerprint>>[];

    beforeAll(async () => {
      const one = await ctlake(['ingest', archive, '--lake', single, '--workers', '1']);
      expect(one.code, one.stderr).toBe(0);
      before = await Promise.all(lakes.map((lake) => fingerprint(lake)));
      mergeRun = await ctlake(['merge', ...lakes, '--lake', merged]);
    });

    it("of the shards equals one machine's ingest: same rows, same catalog", async () => {
      expect(mergeRun.code, mergeRun.stderr).toBe(0);
      const objects = manifest.logFiles + manifest.insightFiles;
      expect(mergeRun.stderr).toMatch(
        new RegExp(
          `merged: 2 lakes into .*: ${String(objects)} objects, ${String(manifest.events + manifest.insightEvents)} events`,
        ),
      );
      expect(await fingerprint(merged)).toEqual(await fingerprint(single));
      expect(await catalogEvents(merged)).toBe(await catalogEvents(single));
      const provenance = `SELECT uri, size, kind, events, sha256 FROM cloudtrail_objects ORDER BY uri`;
      expect(await queryRows(merged, provenance)).toEqual(await queryRows(single, provenance));
    });

    it('leaves the merged lakes whole, sharing their part files rather than reading them', async () => {
      expect(await Promise.all(lakes.map((lake) => fingerprint(lake)))).toEqual(before);
      const inodes = (lake: string): number[] =>
        readdirSync(path.join(lake, 'events'), { recursive: true })
          .map(String)
          .filter((name) => name.endsWith('.parquet'))
          .map((name) => statSync(path.join(lake, 'events', name)).ino)
          .sort();
      expect(inodes(merged)).toEqual(lakes.flatMap(inodes).sort());
    });

    it('keeps each shard’s runs, numbered apart, and records the merge', async () => {
      const shardRuns = await Promise.all(
        lakes.map(async (lake) => (await catalogRows(lake, `SELECT run_id FROM runs`)).length),
      );
      const runs = await catalogRows(
        merged,
        `SELECT run_id, sources, status FROM runs ORDER BY run_id`,
      );
      const [zeroRuns = 0, oneRuns = 0] = shardRuns;
      expect(runs.map((r) => r['run_id'])).toEqual(
        Array.from({ length: 1 + zeroRuns + oneRuns }, (_, i) => i + 1),
      );
      expect(runs.every((r) => r['status'] === 'done')).toBe(true);
      const sources = runs.map((r) => String(r['sources']));
      expect(sources[0]).toMatch(/^merge \S+lake-0 \S+lake-1$/);
      for (const source of sources.slice(1, 1 + zeroRuns))
        expect(source).toMatch(/^\[merged from \S+lake-0\] /);
      for (const source of sources.slice(1 + zeroRuns))
        expect(source).toMatch(/^\[merged from \S+lake-1\] /);
      // Every object and part points at a run of its own lake, and the parts' recorded hashes hold.
      const [dangling] = await catalogRows(
        merged,
        `SELECT count(*) AS n FROM objects WHERE run_id = 1 OR run_id NOT IN (SELECT run_id FROM runs)`,
      );
      expect(Number(dangling?.['n'])).toBe(0);
      const verify = await ctlake(['verify', '--lake', merged]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    });

    it('refuses an object two lakes hold, naming it, and changes nothing', async () => {
      const beforeRefusal = await fingerprint(merged);
      const again = await ctlake(['merge', lakes[0] ?? '', '--lake', merged]);
      expect(again.code).toBe(1);
      const lines = again.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /merge: object \S+AWSLogs\/\S+\.json\.gz is in both \S+merged and \S+lake-0 \(overlapping shards/,
      );
      expect(await fingerprint(merged)).toEqual(beforeRefusal);
      const overlap = await ctlake([
        'merge',
        lakes[1] ?? '',
        single,
        '--lake',
        path.join(dir, 'other'),
      ]);
      expect(overlap.code).toBe(1);
      expect(overlap.stderr).toMatch(/is in both \S+lake-1 and \S+single/);
    });

    it('refuses a source whose catalog is no database, or whose part is missing, in one line', async () => {
      const garbage = path.join(dir, 'garbage');
      mkdirSync(garbage, { recursive: true });
      writeFileSync(path.join(garbage, 'catalog.duckdb'), 'not a database\n');
      const target = path.join(dir, 'target-of-bad');
      const bad = await ctlake(['merge', garbage, '--lake', target]);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/garbage\/catalog\.duckdb/);

      const damaged = path.join(dir, 'damaged');
      cpSync(lakes[1] ?? '', damaged, { recursive: true });
      const [part] = readdirSync(path.join(damaged, 'events'), { recursive: true })
        .map(String)
        .filter((name) => name.endsWith('.parquet'));
      rmSync(path.join(damaged, 'events', part ?? ''));
      const missing = await ctlake(['merge', damaged, '--lake', target]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
      expect(missing.stderr).toMatch(
        /damaged is damaged: (its|committed) part \S+\.parquet is missing/,
      );
    });

    it.each([
      ['the target itself', () => [merged, '--lake', merged], /is the lake merged into/],
      ['no lake', () => [path.join(dir, 'nowhere'), '--lake', merged], /no lake at \S+nowhere/],
      [
        'a lake twice',
        () => [lakes[0] ?? '', lakes[0] ?? '', '--lake', path.join(dir, 'x')],
        /named twice/,
      ],
    ])('refuses %s in one line, exit 2', async (_, args, message) => {
      const result = await ctlake(['merge', ...args()]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });
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
