/**
 * `npm run bench:report -- --lake DIR [--runs R]`: how long `ctlake report` takes on a lake
 * (the 10M-event benchmark lake, compacted: build it with `npm run bench -- --large` and
 * `ctlake compact`), whole processes, median of R runs: the HTML report when no detection run
 * covers the range (the report runs every pack), the same once that run's findings are saved
 * (the lake unchanged: `ctlake detect` then `ctlake report`), and the JSON. Also the size of
 * each file. Writes bench/RESULTS-report.md and its block in bench/RESULTS.md. Nothing here
 * asserts a timing.
 */
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ctlakeRun, log, MACHINE, median, OUT_DIR, publishTable, type Run } from './bench-run.js';

const { values } = parseArgs({
  options: {
    lake: { type: 'string' },
    runs: { type: 'string', default: '3' },
  },
});
if (values.lake === undefined) {
  process.stderr.write('usage: bench:report -- --lake DIR [--runs R]\n');
  process.exit(2);
}
const lake = values.lake;
const runs = Number(values.runs);
const html = path.join(OUT_DIR, 'report.html');
const json = path.join(OUT_DIR, 'report.json');
const base = ['report', '--lake', lake];
const cases: [string, string[], string][] = [
  ['HTML, detections run for the report', [...base, '--out', html], html],
  ['HTML, findings saved by that run (the lake unchanged)', [...base, '--out', html], html],
  ['JSON, findings saved', [...base, '--format', 'json', '--out', json], json],
];
const results: (Run & { bytes: number })[][] = cases.map(() => []);
for (let i = 0; i < runs; i++) {
  for (const [n, [what, args, file]] of cases.entries()) {
    // The first case finds no saved findings: it runs the detections (and saves them).
    if (n === 0) rmSync(path.join(lake, 'findings.json'), { force: true });
    const run = await ctlakeRun(args);
    results[n]?.push({ ...run, bytes: statSync(file).size });
    log(`${what} ${String(i + 1)}/${String(runs)}: ${run.seconds.toFixed(2)} s`);
  }
}
const summary = results[0]?.at(-1)?.summary ?? '';
const table = [
  '### Report: `ctlake report` of a whole lake',
  '',
  `\`npm run bench:report -- --lake ${lake} --runs ${String(runs)}\` on ${MACHINE}, ${new Date().toISOString().slice(0, 10)}: whole processes, median of ${String(runs)} runs, the cases interleaved; the range is the whole lake (its default). ${summary.replace(/^report: [^:]*: /, 'The last run: ')}`,
  '',
  '| what | median wall | peak RSS | file |',
  '|---|---|---|---|',
  ...cases.map(([what], n) => {
    const rs = results[n] ?? [];
    return `| ${what} | ${median(rs.map((r) => r.seconds)).toFixed(2)} s | ${String(Math.max(...rs.map((r) => r.rssMb)))} MB | ${(Math.max(...rs.map((r) => r.bytes)) / 2 ** 20).toFixed(2)} MiB |`;
  }),
].join('\n');
publishTable('report-bench', 'RESULTS-report.md', table);
log('written');
