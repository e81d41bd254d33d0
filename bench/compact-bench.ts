/**
 * `npm run bench:compact [-- --events N] [--runs R] [--baseline DIR]`: `ctlake compact` on the
 * lake of the generated benchmark archive (N events, default 1M, 7 days), as ingested: wall time
 * and peak RSS of the whole process, median of R runs, each on a fresh copy of the lake. With
 * `--baseline DIR` (another checkout of ctlake, built) its compaction runs too, alternating with
 * this one on the same copies, and the table gives the ratio. Writes bench/RESULTS-compact.md and
 * its block in bench/RESULTS.md. Nothing here asserts a timing.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  benchmarkArchive,
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
    baseline: { type: 'string' },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);
const baseline = values.baseline === undefined ? undefined : path.resolve(values.baseline);

/** The benchmark archive's lake as ingested (not compacted), built once under bench/out. */
async function ingestedLake(): Promise<string> {
  const lake = path.join(outDir, `lake-compact-bench-${String(events)}`);
  if (existsSync(path.join(lake, 'catalog.duckdb'))) return lake;
  const { dir } = await benchmarkArchive(events);
  log('ingesting …');
  rmSync(lake, { recursive: true, force: true });
  await ctlake(['ingest', dir, '--lake', lake, '--quiet']);
  return lake;
}

/** The baseline checkout's commit, to name it in the table. */
function commitOf(checkout: string): string {
  try {
    return execFileSync('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return path.basename(checkout);
  }
}

async function compactCopy(source: string, checkout?: string): Promise<Run> {
  const copy = `${source}-copy`;
  rmSync(copy, { recursive: true, force: true });
  cpSync(source, copy, { recursive: true });
  try {
    return await ctlake(['compact', '--lake', copy], [0], checkout);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const lake = await ingestedLake();
  const own: Run[] = [];
  const base: Run[] = [];
  for (let i = 0; i < runs; i++) {
    own.push(await compactCopy(lake));
    log(`compact ${String(i + 1)}/${String(runs)}: ${own.at(-1)?.seconds.toFixed(2) ?? ''} s`);
    if (baseline === undefined) continue;
    base.push(await compactCopy(lake, baseline));
    log(`baseline ${String(i + 1)}/${String(runs)}: ${base.at(-1)?.seconds.toFixed(2) ?? ''} s`);
  }
  const ownSeconds = median(own.map((r) => r.seconds));
  const baseSeconds = median(base.map((r) => r.seconds));
  const row = (what: string, rs: readonly Run[], ratio: string): string =>
    `| ${what} | ${median(rs.map((r) => r.seconds)).toFixed(2)} s | ${ratio} | ${String(median(rs.map((r) => r.rssMb)))} MB | ${String(Math.max(...rs.map((r) => r.rssMb)))} MB |`;
  const command = `npm run bench:compact -- --events ${String(events)} --runs ${String(runs)}${baseline === undefined ? '' : ' --baseline DIR'}`;
  const table = [
    `### Compaction: \`ctlake compact\` on the ${(events / 1e6).toLocaleString('en-US')}M-event benchmark lake`,
    '',
    `\`${command}\` on ${machine}, ${new Date().toISOString().slice(0, 10)}: whole processes at the defaults, each on a fresh copy of the lake as ingested (7 days), median of ${String(runs)} runs${baseline === undefined ? '' : ', alternating with the baseline checkout'}. ${own.at(-1)?.summary ?? ''}`,
    '',
    '| what | median wall | vs baseline | median peak RSS | largest peak RSS |',
    '|---|---|---|---|---|',
    row(
      '`ctlake compact`',
      own,
      baseline === undefined ? '–' : `${(ownSeconds / baseSeconds).toFixed(2)}×`,
    ),
    ...(baseline === undefined
      ? []
      : [row(`baseline: \`ctlake compact\` at ${commitOf(baseline)}`, base, '1.00×')]),
  ].join('\n');
  publishTable('compact-bench', 'RESULTS-compact.md', table);
  log(`compact ${ownSeconds.toFixed(2)} s`);
}

await main();
