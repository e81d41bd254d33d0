import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { takeReaderLease } from '../../src/lake/reader-leases.js';
import { ctlake, finished, queryRows, startCli, tempDir } from '../util/cli.js';

const COUNT = `SELECT count(*) AS n, count(DISTINCT ("sourceObject", "recordIndex")) AS keys FROM $EDS_ID`;

/**
 * Runs COUNT, three at a time, until `running()` turns false (at least one round); returns every
 * count seen, each checked to have no (sourceObject, recordIndex) twice.
 */
async function countWhile(lake: string, running: () => boolean): Promise<number[]> {
  const seen: number[] = [];
  // The last round starts after the work has ended, so its counts see the final state (a round
  // begun just before the end may read the parts as they were).
  for (;;) {
    const last = !running();
    const results = await Promise.all(
      [1, 2, 3].map(() => ctlake(['query', '--lake', lake, '--format', 'json', COUNT])),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      const [row] = JSON.parse(result.stdout) as { n: number; keys: number }[];
      expect(row?.keys).toBe(row?.n);
      seen.push(row?.n ?? -1);
    }
    if (last) return seen;
  }
}

describe('queries beside a running ingest', () => {
  it('see what is committed, several at once, and neither side fails on a lock', async () => {
    const dir = tempDir('concurrent');
    const archive = path.join(dir, 'archive');
    const lake = path.join(dir, 'lake');
    const manifest = await generateArchive({
      outDir: archive,
      events: 100_000,
      seed: 17,
      end: new Date('2026-03-01T00:00:00Z'),
      days: 2,
    });
    const ingest = startCli(['ingest', archive, '--lake', lake, '--workers', '1']);
    const ingestDone = finished(ingest);
    const state = { running: true };
    void ingestDone.then(() => (state.running = false));
    const events = path.join(lake, 'events');
    while (!(
      existsSync(events) &&
      readdirSync(events, { recursive: true }).some((f) => String(f).endsWith('.parquet'))
    )) {
      await sleep(20);
    }
    const seen = await countWhile(lake, () => state.running);
    expect((await ingestDone).code).toBe(0);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.some((n) => n > 0 && n < manifest.events)).toBe(true);
    const [final] = JSON.parse(
      (await ctlake(['query', '--lake', lake, '--format', 'json', COUNT])).stdout,
    ) as { n: number }[];
    expect(final?.n).toBe(manifest.events + manifest.insightEvents);
  });
});

describe('queries beside compaction and the re-ingest of changed objects', () => {
  it('see one consistent set of parts: every count exact, never a day twice or a part missing', async () => {
    const dir = tempDir('consistent');
    const archive = path.join(dir, 'archive');
    const lake = path.join(dir, 'lake');
    const manifest = await generateArchive({
      outDir: archive,
      events: 60_000,
      seed: 23,
      end: new Date('2026-03-01T00:00:00Z'),
      days: 3,
    });
    const total = manifest.events + manifest.insightEvents;
    expect(
      (await ctlake(['ingest', archive, '--lake', lake, '--workers', '1', '--quiet'])).code,
    ).toBe(0);

    const compact = finished(startCli(['compact', '--lake', lake]));
    const compacting = { running: true };
    void compact.then(() => (compacting.running = false));
    const duringCompact = await countWhile(lake, () => compacting.running);
    expect((await compact).code).toBe(0);
    expect(new Set(duringCompact)).toEqual(new Set([total]));

    // Changed objects: their rows are replaced, and the parts holding the old ones rewritten.
    const changed = readdirSync(archive, { recursive: true })
      .map(String)
      .filter((f) => f.includes('/CloudTrail/') && f.endsWith('.json.gz'))
      .sort()
      .filter((_, i) => i % 5 === 0);
    let removed = 0;
    for (const file of changed) {
      const full = path.join(archive, file);
      const records = (
        JSON.parse(gunzipSync(readFileSync(full)).toString()) as { Records: unknown[] }
      ).Records;
      removed += records.length - 1;
      writeFileSync(full, gzipSync(JSON.stringify({ Records: records.slice(0, 1) })));
    }
    const reingest = finished(
      startCli(['ingest', archive, '--lake', lake, '--workers', '1', '--quiet']),
    );
    const reingesting = { running: true };
    void reingest.then(() => (reingesting.running = false));
    const duringReingest = await countWhile(lake, () => reingesting.running);
    expect((await reingest).code).toBe(0);
    // Each replaced object is committed with the rewrite of the parts holding its old rows.
    for (const n of duringReingest) {
      expect(n).toBeLessThanOrEqual(total);
      expect(n).toBeGreaterThanOrEqual(total - removed);
    }
    expect(duringReingest.at(-1)).toBe(total - removed);
  });

  it('keeps the parts a compaction replaced while a query holds a lease, reading only the new ones', async () => {
    const dir = tempDir('lease');
    const archive = path.join(dir, 'archive');
    const lake = path.join(dir, 'lake');
    const manifest = await generateArchive({
      outDir: archive,
      events: 5000,
      seed: 29,
      end: new Date('2026-03-01T00:00:00Z'),
      days: 2,
    });
    const total = manifest.events + manifest.insightEvents;
    expect((await ctlake(['ingest', archive, '--lake', lake, '--quiet'])).code).toBe(0);
    const partsOnDisk = (): string[] =>
      readdirSync(path.join(lake, 'events'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.parquet'));
    const before = partsOnDisk();
    // A query of this (running) process holds a lease while the compaction commits.
    const lease = takeReaderLease(lakeLayout(lake));
    try {
      expect((await ctlake(['compact', '--lake', lake])).code).toBe(0);
      expect(partsOnDisk()).toEqual(expect.arrayContaining(before));
      const [row] = await queryRows(lake, COUNT);
      expect(row).toEqual({ n: total, keys: total });
    } finally {
      lease.release();
    }
    // The next writer finds no reader and removes them.
    expect((await ctlake(['ingest', archive, '--lake', lake, '--quiet'])).code).toBe(0);
    expect(partsOnDisk().every((p) => path.basename(p).startsWith('compact-'))).toBe(true);
    expect(await queryRows(lake, COUNT)).toEqual([{ n: total, keys: total }]);
  });
});
