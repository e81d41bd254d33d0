/**
 * `npm run bench:investigate -- --lake DIR [--entity ARN] [--runs R]`: how long `ctlake
 * investigate` takes on a busy role of a lake (the 10M-event benchmark lake, compacted: build it
 * with `npm run bench -- --large` and `ctlake compact`), whole processes, median of R runs: the
 * table form (one timeline page) with no detect run saved, with `--detect` (the detections run
 * over the scope and saved), with the findings that run saved, and without the findings panel;
 * and the JSON form (the whole timeline). Writes bench/RESULTS-investigate.md and its block in
 * bench/RESULTS.md.
 * Nothing here asserts a timing.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { lakeLayout } from '../src/lake/layout.js';
import { ctlakeRun, log, MACHINE, median, publishTable, type Run } from './bench-run.js';

const { values } = parseArgs({
  options: {
    lake: { type: 'string' },
    entity: { type: 'string', default: 'arn:aws:iam::111122223333:role/GenAIChatAppRole' },
    runs: { type: 'string', default: '3' },
  },
});
if (values.lake === undefined) {
  process.stderr.write('usage: bench:investigate -- --lake DIR [--entity ARN] [--runs R]\n');
  process.exit(2);
}
const lake = values.lake;
const runs = Number(values.runs);
const base = ['investigate', values.entity, '--lake', lake];
const cases: [string, string[]][] = [
  ['table, no detect run saved (the findings panel says so)', [...base]],
  ['table, `--detect`: every pack run over the scope first (and saved)', [...base, '--detect']],
  ['table, with the findings that run saved (the lake unchanged)', [...base]],
  ['table, `--no-findings`', [...base, '--no-findings']],
  ['JSON, whole timeline, `--no-findings`', [...base, '--no-findings', '--format', 'json']],
];
const results: Run[][] = cases.map(() => []);
for (let i = 0; i < runs; i++) {
  for (const [n, [what, args]] of cases.entries()) {
    // The first two cases find no saved findings; the second runs the detections and saves them.
    if (n === 0) rmSync(lakeLayout(lake).findingsPath, { force: true });
    const run = await ctlakeRun(args);
    results[n]?.push(run);
    log(`${what} ${String(i + 1)}/${String(runs)}: ${run.seconds.toFixed(2)} s`);
  }
}
const events = /(\d+) events in scope/.exec(results[1]?.at(-1)?.summary ?? '')?.[1] ?? '?';
const table = [
  '### Investigation: `ctlake investigate` of a busy role',
  '',
  `\`npm run bench:investigate -- --lake ${lake} --entity ${values.entity} --runs ${String(runs)}\` on ${MACHINE}, ${new Date().toISOString().slice(0, 10)}: whole processes, median of ${String(runs)} runs, the cases interleaved. The role made ${events} calls in the default scope (the lake's last 24 hours); the baseline is the 45 days before it.`,
  '',
  '| what | median wall | every run | peak RSS | last run |',
  '|---|---|---|---|---|',
  ...cases.map(([what], n) => {
    const rs = results[n] ?? [];
    const seconds = rs.map((r) => r.seconds);
    return `| ${what} | ${median(seconds).toFixed(2)} s | ${seconds.map((s) => s.toFixed(2)).join(', ')} | ${String(Math.max(...rs.map((r) => r.rssMb)))} MB | ${rs.at(-1)?.summary ?? ''} |`;
  }),
].join('\n');
publishTable('investigate-bench', 'RESULTS-investigate.md', table);
log('written');
