/**
 * `npm run bench:verify [-- --events N] [--runs R]`: how long `ctlake verify` takes on the
 * generated benchmark archive (N events, default 1M, hourly signed digests), against ingesting
 * the same archive into a fresh lake, the baseline measured in the same run: whole processes,
 * alternating verify and ingest, median of R runs each. The bar is verify ≤ ingest.
 * Writes bench/RESULTS-verify.md and its block in bench/RESULTS.md. Nothing here asserts a
 * timing.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateArchive } from '../fixtures/generator/archive.js';
import {
  ctlakeRun as ctlake,
  log,
  MACHINE as machine,
  median,
  OUT_DIR as outDir,
  publishTable,
  type Run,
} from './bench-run.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);

/** The benchmark archive with its digests and keys file, generated once under bench/out. */
async function benchmarkArchive(): Promise<{ dir: string; keys: string }> {
  const dir = path.join(outDir, `verify-archive-${String(events)}-seed42`);
  const keys = `${dir}.public-keys.json`;
  if (!existsSync(keys)) {
    mkdirSync(outDir, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    log(`generating ${String(events)} events with signed hourly digests …`);
    await generateArchive({
      outDir: dir,
      events,
      seed: 42,
      end: new Date('2026-11-23T00:00:00Z'),
      days: 7,
      publicKeysFile: keys,
    });
  }
  return { dir, keys };
}

async function main(): Promise<void> {
  const { dir, keys } = await benchmarkArchive();
  const lake = path.join(outDir, `lake-verify-bench-${String(events)}`);
  const verifyRuns: Run[] = [];
  const ingestRuns: Run[] = [];
  for (let i = 0; i < runs; i++) {
    verifyRuns.push(await ctlake(['verify', dir, '--public-keys', keys]));
    log(
      `verify ${String(i + 1)}/${String(runs)}: ${verifyRuns.at(-1)?.seconds.toFixed(2) ?? ''} s`,
    );
    rmSync(lake, { recursive: true, force: true });
    ingestRuns.push(await ctlake(['ingest', dir, '--lake', lake, '--quiet']));
    log(
      `ingest ${String(i + 1)}/${String(runs)}: ${ingestRuns.at(-1)?.seconds.toFixed(2) ?? ''} s`,
    );
  }
  rmSync(lake, { recursive: true, force: true });
  const v = median(verifyRuns.map((r) => r.seconds));
  const g = median(ingestRuns.map((r) => r.seconds));
  const row = (what: string, rs: readonly Run[], ratio: string): string =>
    `| ${what} | ${median(rs.map((r) => r.seconds)).toFixed(2)} s | ${ratio} | ${String(Math.max(...rs.map((r) => r.rssMb)))} MB | ${rs.at(-1)?.summary ?? ''} |`;
  const table = [
    `### Chain of custody: \`ctlake verify\` on the ${(events / 1e6).toLocaleString('en-US')}M-event benchmark archive`,
    '',
    `\`npm run bench:verify -- --events ${String(events)} --runs ${String(runs)}\` on ${machine}, ${new Date().toISOString().slice(0, 10)}: whole processes, verify and ingest alternating, median of ${String(runs)} runs each. Verify checks every digest's RSA signature and chain link and the SHA-256 of every log file's inflated content; ingest (the baseline) reads the same files into a fresh lake.`,
    '',
    '| what | median wall | vs ingest | peak RSS | last run |',
    '|---|---|---|---|---|',
    row('`ctlake verify <archive> --public-keys keys.json`', verifyRuns, `${(v / g).toFixed(2)}×`),
    row('`ctlake ingest <archive>` (baseline)', ingestRuns, '1.00×'),
  ].join('\n');
  publishTable('verify-bench', 'RESULTS-verify.md', table);
  log(`verify ${v.toFixed(2)} s, ingest ${g.toFixed(2)} s: ${(v / g).toFixed(2)}×`);
}

await main();
