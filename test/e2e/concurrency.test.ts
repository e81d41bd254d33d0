import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { ctlake, finished, startCli, tempDir } from '../util/cli.js';

const COUNT = `SELECT count(*) AS n, count(DISTINCT ("sourceObject", "recordIndex")) AS keys FROM $EDS_ID`;

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
    const seen: number[] = [];
    let rounds = 0;
    while (state.running || rounds === 0) {
      const results = await Promise.all(
        [1, 2, 3].map(() => ctlake(['query', '--lake', lake, '--format', 'json', COUNT])),
      );
      for (const result of results) {
        expect(result.stderr).toBe('');
        const [row] = JSON.parse(result.stdout) as { n: number; keys: number }[];
        expect(row?.keys).toBe(row?.n);
        seen.push(row?.n ?? -1);
      }
      rounds++;
    }
    expect((await ingestDone).code).toBe(0);
    expect(rounds).toBeGreaterThan(1);
    expect(seen.some((n) => n > 0 && n < manifest.events)).toBe(true);
    const [final] = JSON.parse(
      (await ctlake(['query', '--lake', lake, '--format', 'json', COUNT])).stdout,
    ) as { n: number }[];
    expect(final?.n).toBe(manifest.events + manifest.insightEvents);
  });
});
