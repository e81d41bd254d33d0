/**
 * A worker's scratch space is bounded whatever its batch holds: a batch is written out in
 * segments once its scratch file passes the flush size, and an object whose records would take
 * more than the per-object bound is refused, naming it. The lake holds the same events as with
 * the default bounds.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import type { ScratchLimits } from '../../src/ingest/scratch-file.js';
import { LocalSource } from '../../src/source/local.js';
import { fingerprint, type LakeFingerprint } from '../util/lake-fingerprint.js';
import { tempDir } from '../util/cli.js';

const LIMITS: ScratchLimits = { flushBytes: 64 * 1024, objectBytes: 1024 * 1024 };

/** Bytes of every file under `dir`, at any depth. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true })) {
    try {
      const info = statSync(path.join(dir, String(name)));
      if (info.isFile()) total += info.size;
    } catch {
      // Removed meanwhile.
    }
  }
  return total;
}

describe('scratch space per worker', () => {
  const dir = tempDir('scratch');
  const archive = path.join(dir, 'archive');
  const scratchBase = path.join(dir, 'scratch');
  const bigName = path.join(archive, 'odd', 'over-the-object-bound.json.gz');
  const previousScratch = process.env['CTLAKE_SCRATCH_DIR'];
  const errors: [string, string][] = [];
  let bounded: IngestSummary;
  let peakScratch = 0;
  let boundedPrint: LakeFingerprint;
  let defaultPrint: LakeFingerprint;

  beforeAll(async () => {
    await generateArchive({
      outDir: archive,
      events: 3000,
      seed: 21,
      end: new Date('2026-03-01T00:00:00Z'),
      days: 2,
    });
    mkdirSync(path.dirname(bigName), { recursive: true });
    const records = Array.from({ length: 800 }, (_, i) => ({
      eventVersion: '1.09',
      eventTime: '2026-02-28T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventID: `big-${String(i)}`,
      requestParameters: { key: 'k'.repeat(1500) },
    }));
    writeFileSync(bigName, gzipSync(JSON.stringify({ Records: records })));

    mkdirSync(scratchBase);
    process.env['CTLAKE_SCRATCH_DIR'] = scratchBase;
    const sampler = setInterval(() => {
      peakScratch = Math.max(peakScratch, bytesUnder(scratchBase));
    }, 5);
    try {
      bounded = await ingest({
        sources: [new LocalSource(archive)],
        lakeDir: path.join(dir, 'bounded'),
        workers: 1,
        scratchLimits: LIMITS,
        onObjectError: (uri, reason) => errors.push([uri, reason]),
      });
    } finally {
      clearInterval(sampler);
    }
    await ingest({
      sources: [new LocalSource(archive)],
      lakeDir: path.join(dir, 'default'),
      workers: 1,
    });
    boundedPrint = await fingerprint(path.join(dir, 'bounded'));
    defaultPrint = await fingerprint(
      path.join(dir, 'default'),
      `"sourceObject" <> '${bigName.replaceAll("'", "''")}'`,
    );
  }, 180_000);

  afterAll(() => {
    if (previousScratch === undefined) delete process.env['CTLAKE_SCRATCH_DIR'];
    else process.env['CTLAKE_SCRATCH_DIR'] = previousScratch;
  });

  it('refuses the one object over the per-object bound, naming it and the bound', () => {
    expect(errors).toEqual([
      [
        bigName,
        'needs more than 1 MiB of scratch space for its records, the most one object may use',
      ],
    ]);
    expect(bounded.errors).toBe(1);
  });

  it('writes the batch in segments and keeps the rest exactly as the default bounds do', () => {
    const parts = readdirSync(path.join(dir, 'bounded', 'events'), { recursive: true })
      .map(String)
      .filter((p) => p.endsWith('.parquet'));
    expect(parts.some((p) => /-s[1-9]\d*-/.test(p))).toBe(true);
    expect(boundedPrint).toEqual(defaultPrint);
    expect(boundedPrint.keys).toBe(boundedPrint.rows);
    expect(bounded.events).toBe(boundedPrint.rows);
  });

  it('never holds more scratch than the flush size plus one object', () => {
    expect(peakScratch).toBeGreaterThan(0);
    expect(peakScratch).toBeLessThanOrEqual(LIMITS.flushBytes + LIMITS.objectBytes);
  });
});
