/**
 * `npm run bench:startup`: what a responder pays per command before any work, measured on whole
 * processes run in turn (A B A B …), medians of RUNS each, written to bench/RESULTS-startup.md.
 *
 * - `ctlake --help` against a bare `node -e ""`;
 * - `ctlake query "SELECT count(*) FROM cloudtrail"` on a 50,000-event lake against a bare node
 *   process that opens `@duckdb/node-api` and runs `SELECT 1` (the floor of any DuckDB query).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateArchive } from '../fixtures/generator/archive.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = path.join(repo, 'bench', 'out');
const cli = path.join(repo, 'bin', 'ctlake.js');
const RUNS = Number(process.env['STARTUP_RUNS'] ?? 15);

function wallMs(command: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, command, { cwd: repo, stdio: 'ignore' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${String(result.status)}`);
  return ms;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** A and B in turn, after one unmeasured warm-up of each. */
function pair(a: readonly string[], b: readonly string[]): { a: number; b: number } {
  wallMs(a);
  wallMs(b);
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    as.push(wallMs(a));
    bs.push(wallMs(b));
  }
  return { a: median(as), b: median(bs) };
}

async function lake(): Promise<string> {
  const dir = path.join(outDir, 'startup-lake');
  if (existsSync(path.join(dir, 'catalog.duckdb'))) return dir;
  mkdirSync(outDir, { recursive: true });
  const archive = path.join(outDir, 'startup-archive');
  await generateArchive({ outDir: archive, events: 50_000, seed: 7, end: new Date(), days: 7 });
  const ingest = spawnSync(process.execPath, [cli, 'ingest', archive, '--lake', dir, '--quiet'], {
    stdio: 'inherit',
  });
  if (ingest.status !== 0) throw new Error('ingest of the start-up lake failed');
  return dir;
}

const lakeDir = await lake();
const bareDuckDB = path.join(outDir, 'bare-duckdb.mjs');
writeFileSync(
  bareDuckDB,
  `import { DuckDBInstance } from '@duckdb/node-api';
const c = await (await DuckDBInstance.create(':memory:')).connect();
(await c.runAndReadAll('SELECT 1')).getRowsJS();
`,
);
const help = pair([cli, '--help'], ['-e', '']);
const query = pair(
  [cli, 'query', '--lake', lakeDir, 'SELECT count(*) FROM cloudtrail'],
  [bareDuckDB],
);
const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
const md = `# Start-up

Command: \`npm run bench:startup\` (${String(RUNS)} runs of each, in turn, after a warm-up; medians of whole-process wall time)
Machine: ${cpu}, ${String(os.availableParallelism())} cores, Node ${process.version}
Date: ${new Date().toISOString().slice(0, 10)}

| command | median | baseline | baseline median | ratio |
|---|---|---|---|---|
| \`ctlake --help\` | ${help.a.toFixed(0)} ms | \`node -e ""\` | ${help.b.toFixed(0)} ms | ${(help.a / help.b).toFixed(2)}× |
| \`ctlake query "SELECT count(*) FROM cloudtrail"\` (50,000-event lake) | ${query.a.toFixed(0)} ms | node opening \`@duckdb/node-api\` and running \`SELECT 1\` | ${query.b.toFixed(0)} ms | ${(query.a / query.b).toFixed(2)}× |
`;
writeFileSync(path.join(repo, 'bench', 'RESULTS-startup.md'), md);
process.stdout.write(md);
