/**
 * `npm run bench:queries -- --lake DIR --manifest FILE [--runs R]`: every named query's latency on
 * a lake (the 10M-event benchmark lake, compacted: `npm run bench -- --large`, then `ctlake
 * compact`; FILE is its archive's manifest), in one process, R runs each (default 9): first with
 * each part's Parquet footer parsed again by every query (the baseline), then with DuckDB's
 * metadata cache, which a query session now keeps — the same run, the same lake. Writes
 * bench/RESULTS-queries.md and its block in bench/RESULTS.md. Nothing here asserts a timing.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ArchiveManifest } from '../fixtures/generator/archive.js';
import { log, MACHINE, publishTable } from './bench-run.js';
import { queryLatencies } from './query-latency.js';

const { values } = parseArgs({
  options: {
    lake: { type: 'string' },
    manifest: { type: 'string' },
    runs: { type: 'string', default: '9' },
  },
});
if (values.lake === undefined || values.manifest === undefined) {
  process.stderr.write('usage: bench:queries -- --lake DIR --manifest FILE [--runs R]\n');
  process.exit(2);
}
const runs = Number(values.runs);
const manifest = JSON.parse(readFileSync(values.manifest, 'utf8')) as ArchiveManifest;
const without = await queryLatencies(values.lake, manifest, runs, { metadataCache: false });
log('baseline (footers parsed by every query): done');
const cached = await queryLatencies(values.lake, manifest, runs, { metadataCache: true });
log('with the metadata cache: done');

const LIMIT_MS = 200;
const rows = cached.map((q) => {
  const b = without.find((x) => x.name === q.name);
  const same = b?.rows === q.rows ? '' : ' (rows differ!)';
  return `| ${q.name} | ${b ? `${b.p50.toFixed(0)} ms` : '–'} | ${q.p50.toFixed(0)} ms | ${q.p95.toFixed(0)} ms | ${b ? `${(b.p50 / q.p50).toFixed(2)}×` : '–'} | ${String(q.rows)}${same} |`;
});
const under = (list: typeof cached): number => list.filter((q) => q.p50 <= LIMIT_MS).length;
const table = [
  '### Named queries on a compacted lake, with the Parquet metadata cache',
  '',
  `\`npm run bench:queries -- --lake ${values.lake} --manifest ${values.manifest} --runs ${String(runs)}\` on ${MACHINE}, ${new Date().toISOString().slice(0, 10)}: ${manifest.events.toLocaleString('en-US')} events; ${String(runs)} runs of each query in one process (no CLI start-up), default parameters but the look-back windows, which reach the archive's first day. "baseline": each query parses every part's Parquet footer again (as before 2026-12-01); "p50", "p95": a session keeps the footers it read (\`parquet_metadata_cache\`), so the first run of each query pays them and the rest do not. p50 ≤ ${String(LIMIT_MS)} ms: ${String(under(cached))} of ${String(cached.length)} (baseline ${String(under(without))}).`,
  '',
  '| named query | p50 baseline | p50 | p95 | ratio | rows |',
  '|---|---|---|---|---|---|',
  ...rows,
].join('\n');
publishTable('queries-bench', 'RESULTS-queries.md', table);
log('written');
