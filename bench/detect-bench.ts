/**
 * `npm run bench:detect [-- --events N] [--runs R] [--lake DIR]`: how long `ctlake detect` takes
 * with every built-in pack on a compacted lake of the generated benchmark archive (N events,
 * default 1M; the 10M lake is `--events 10000000`), whole processes, median of R runs; each pack
 * alone; and, as the baseline measured in the same run (not with --lake or above 2M events, where
 * it takes too long), the same rules run one rule per pass, in one process, summed — what a
 * detector that scans the lake once per rule would cost. Writes bench/RESULTS-detect-N.md and
 * bench/results-detect-N.json (one pair per lake size), and puts every size's table in
 * bench/RESULTS.md beside the ingest figures (`--report` only does that). Nothing here asserts a
 * timing.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ANOMALY_PACK, detect, detectionPacks } from '../src/detect/detect.js';
import { builtInPacks } from '../src/detect/rules.js';
import {
  BENCH_DIR,
  benchmarkArchive,
  ctlakeRun,
  log,
  MACHINE,
  median,
  OUT_DIR,
  REPO,
  type Run,
} from './bench-run.js';
import { DETECT_BEGIN, DETECT_END, detectTables } from './detect-tables.js';

const benchDir = BENCH_DIR;
const outDir = OUT_DIR;
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    lake: { type: 'string' },
    report: { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);
const machine = MACHINE;

/** Exit status 3 is a finding at --fail-on, not a failure. */
const ctlake = (args: readonly string[]): Promise<Run> => ctlakeRun(args, [0, 3]);

/** The benchmark archive's compacted lake, built once and kept under bench/out. */
async function benchmarkLake(): Promise<string> {
  if (values.lake !== undefined) return values.lake;
  const lake = path.join(outDir, `lake-detect-${String(events)}`);
  if (existsSync(path.join(lake, 'parts.json'))) return lake;
  const { dir } = await benchmarkArchive(events);
  log('ingesting and compacting …');
  await ctlake(['ingest', dir, '--lake', lake, '--quiet']);
  await ctlake(['compact', '--lake', lake]);
  return lake;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** RESULTS.md holds the tables beside the ingest numbers, between markers this script owns. */
function updateResults(): void {
  const results = path.join(benchDir, 'RESULTS.md');
  const block = `${DETECT_BEGIN}\n${detectTables(benchDir)}\n${DETECT_END}`;
  const text = readFileSync(results, 'utf8');
  const at = text.indexOf(DETECT_BEGIN);
  const updated =
    at >= 0
      ? text.slice(0, at) + block + text.slice(text.indexOf(DETECT_END) + DETECT_END.length)
      : text.replace('\n## Query latency', `\n${block}\n\n## Query latency`);
  writeFileSync(results, updated);
}

async function main(): Promise<void> {
  if (values.report) {
    updateResults();
    return;
  }
  const lake = await benchmarkLake();
  const detectArgs = ['detect', '--lake', lake, '--format', 'json', '--out', os.devNull];
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) {
    all.push(await ctlake(detectArgs));
    log(`all packs, run ${String(i + 1)}: ${(all[i]?.seconds ?? 0).toFixed(1)} s`);
  }
  const perPack: { pack: string; runs: Run[] }[] = [];
  for (const pack of detectionPacks()) {
    const packRuns: Run[] = [];
    for (let i = 0; i < runs; i++) packRuns.push(await ctlake([...detectArgs, '--pack', pack]));
    perPack.push({ pack, runs: packRuns });
    log(`${pack}: ${median(packRuns.map((r) => r.seconds)).toFixed(1)} s`);
  }
  let baseline: { seconds: number; inProcess: number; rules: number } | undefined;
  if (values.lake === undefined && events <= 2_000_000) {
    const files = builtInPacks().flatMap((pack) =>
      readdirSync(path.join(REPO, 'rules', pack))
        .filter((f) => f.endsWith('.yml'))
        .map((f) => path.join(REPO, 'rules', pack, f)),
    );
    log(`baseline: ${String(files.length)} rules one per pass …`);
    let seconds = 0;
    for (const file of files)
      seconds += await timed(() => detect({ lakeDir: lake, rules: [file] }));
    seconds += await timed(() => detect({ lakeDir: lake, packs: [ANOMALY_PACK] }));
    const inProcess = await timed(() => detect({ lakeDir: lake }));
    baseline = { seconds, inProcess, rules: files.length };
  }
  const allSeconds = median(all.map((r) => r.seconds));
  const command = `npm run bench:detect -- --events ${String(events)} --runs ${String(runs)}${values.lake === undefined ? '' : ` --lake ${values.lake}`}`;
  const table = `## Detections: every built-in pack on the compacted ${events.toLocaleString('en-US')}-event lake

Command: \`${command}\`
Machine: ${machine}; Node ${process.version}. Whole \`ctlake detect\` processes (start-up included), median of ${String(runs)}.

| what | median wall | peak RSS | last run |
|---|---|---|---|
| all packs (\`ctlake detect\`) | ${allSeconds.toFixed(1)} s | ${String(median(all.map((r) => r.rssMb)))} MB | ${all.at(-1)?.summary ?? ''} |
${perPack.map((p) => `| \`--pack ${p.pack}\` | ${median(p.runs.map((r) => r.seconds)).toFixed(1)} s | ${String(median(p.runs.map((r) => r.rssMb)))} MB | ${p.runs.at(-1)?.summary ?? ''} |`).join('\n')}
${
  baseline === undefined
    ? ''
    : `
Baseline, same run, in one process: the ${String(baseline.rules)} rules one per pass (one scan or more each, as a detector without the shared scans would run them) took ${baseline.seconds.toFixed(1)} s, all packs together in the same process ${baseline.inProcess.toFixed(1)} s: ${(baseline.seconds / baseline.inProcess).toFixed(1)}× less time.
`
}`;
  writeFileSync(path.join(benchDir, `RESULTS-detect-${String(events)}.md`), table);
  writeFileSync(
    path.join(benchDir, `results-detect-${String(events)}.json`),
    JSON.stringify({ command, machine, events, all, perPack, baseline }, null, 2),
  );
  updateResults();
  process.stdout.write(table);
}

await main();
