/**
 * `npm run bench [-- --events N --runs R --quick]`: ingest throughput of ctlake on a generated
 * archive, against what a user would do by hand with DuckDB on the same files in the same run:
 * `read_json` with auto-detection (full sampling, which this archive needs to succeed) and with
 * an explicit column list (nested fields as JSON text). Writes bench/RESULTS.md and
 * bench/results.json. No timing is asserted anywhere; this only measures and reports.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { type ArchiveManifest, generateArchive } from '../fixtures/generator/archive.js';
import { RECORD_FIELDS } from '../src/schema/event-schema.js';
import { quoteIdent, sqlString } from '../src/schema/transform.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const benchDir = path.join(repo, 'bench');
const outDir = path.join(benchDir, 'out');

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    results: { type: 'string' },
  },
});
const quick = values.quick;
const events = Number(values.events ?? (quick ? 20_000 : 1_000_000));
const runs = Number(values.runs ?? (quick ? 1 : 3));
const cores = os.availableParallelism();
const SEED = 42;
const END = new Date('2026-11-23T00:00:00Z');

interface Measurement {
  readonly name: string;
  readonly seconds: number[];
  readonly events: number;
  readonly note: string;
  readonly peakRssMb?: number[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function archive(): Promise<{ dir: string; manifest: ArchiveManifest }> {
  const dir = path.join(outDir, `archive-${events}-seed${SEED}`);
  const manifestFile = `${dir}.manifest.json`;
  if (existsSync(manifestFile)) {
    return { dir, manifest: JSON.parse(readFileSync(manifestFile, 'utf8')) as ArchiveManifest };
  }
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`generating ${events} events into ${path.relative(repo, dir)} …\n`);
  const manifest = await generateArchive({ outDir: dir, events, seed: SEED, end: END, days: 7 });
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  return { dir, manifest };
}

function runCtlake(
  dir: string,
  lake: string,
): Promise<{ seconds: number; rssMb: number; summary: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        path.join(repo, 'bin', 'ctlake.js'),
        'ingest',
        dir,
        '--lake',
        lake,
        '--quiet',
        '--workers',
        String(cores),
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        reject(new Error(`ctlake ingest exited ${String(code)}: ${stderr}`));
        return;
      }
      const rss = /peak RSS (\d+) MB/.exec(stderr);
      resolve({ seconds, rssMb: Number(rss?.[1] ?? NaN), summary: stderr.trim() });
    });
  });
}

/** The log and Insight files (digests excluded), as a user would list them for read_json. */
function logGlobs(dir: string): string {
  const glob = (folder: string): string =>
    sqlString(path.join(dir, 'AWSLogs', '**', folder, '*', '*', '*', '*', '*.json.gz'));
  return `[${glob('CloudTrail')}, ${glob('CloudTrail-Insight')}]`;
}

async function duckdbVersion(): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const version = (await connection.runAndReadAll('SELECT version() AS v')).getRowObjectsJS()[0]?.[
    'v'
  ];
  connection.closeSync();
  instance.closeSync();
  return typeof version === 'string' ? version : 'unknown';
}

async function duckdbRun(sql: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(cores) });
  const connection = await instance.connect();
  try {
    const started = performance.now();
    await connection.run(sql);
    return (performance.now() - started) / 1000;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Explicit columns: every top-level field, nested ones as JSON text, scalars as VARCHAR. */
function explicitRecordsType(): string {
  const fields = RECORD_FIELDS.map((f) => {
    const type =
      f.type.kind === 'string'
        ? 'VARCHAR'
        : f.type.kind === 'boolean'
          ? 'BOOLEAN'
          : f.type.kind === 'timestamp'
            ? 'TIMESTAMP'
            : 'JSON';
    return `${quoteIdent(f.name)} ${type}`;
  });
  return `STRUCT(${fields.join(', ')})[]`;
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const { dir, manifest } = await archive();
  const total = manifest.events;
  const measurements: Measurement[] = [];

  const ctlake: Measurement = {
    name: `ctlake ingest (${cores} workers)`,
    seconds: [],
    events: total + manifest.insightEvents,
    note: 'full Lake schema + eventJson + SHA-256 + provenance, Hive-partitioned zstd Parquet, catalog',
    peakRssMb: [],
  };
  for (let i = 0; i < runs; i++) {
    const lake = path.join(outDir, 'lake-ctlake');
    rmSync(lake, { recursive: true, force: true });
    const r = await runCtlake(dir, lake);
    ctlake.seconds.push(r.seconds);
    ctlake.peakRssMb?.push(r.rssMb);
    process.stderr.write(`ctlake run ${i + 1}: ${r.seconds.toFixed(1)} s\n`);
  }
  measurements.push(ctlake);

  const glob = logGlobs(dir);
  const target = path.join(outDir, 'baseline.parquet');
  const baselines = [
    {
      name: 'DuckDB read_json auto-detect → Parquet',
      note: 'sample_size = -1 and all files sampled (the default sample fails on this archive: "unknown key sessionContext"); no raw-event column',
      sql: `COPY (SELECT unnest(Records, recursive := true) FROM read_json(${glob}, maximum_object_size = 268435456, sample_size = -1, maximum_sample_files = 1000000)) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd)`,
    },
    {
      name: 'DuckDB read_json explicit columns → Parquet',
      note: 'top-level columns given, nested ones as JSON text; no raw-event column',
      sql: `COPY (SELECT unnest(Records, recursive := true) FROM read_json(${glob}, maximum_object_size = 268435456, columns = {'Records': ${sqlString(explicitRecordsType())}})) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd)`,
    },
  ];
  for (const b of baselines) {
    const m: Measurement = {
      name: b.name,
      seconds: [],
      events: total + manifest.insightEvents,
      note: b.note,
    };
    for (let i = 0; i < runs; i++) {
      rmSync(target, { force: true });
      m.seconds.push(await duckdbRun(b.sql));
      process.stderr.write(`${b.name} run ${i + 1}: ${(m.seconds[i] ?? 0).toFixed(1)} s\n`);
    }
    measurements.push(m);
  }
  rmSync(target, { force: true });
  report(manifest, measurements, await duckdbVersion());
}

function report(
  manifest: ArchiveManifest,
  measurements: readonly Measurement[],
  duckdb: string,
): void {
  const ours = measurements[0];
  if (!ours) return;
  const rate = (m: Measurement): number => m.events / median(m.seconds);
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
  const command = `npm run bench --${quick ? ' --quick' : ''} --events ${events} --runs ${runs}`;
  const rows = measurements.map((m) => {
    const ratio = rate(ours) / rate(m);
    const rss = m.peakRssMb ? `${median(m.peakRssMb).toFixed(0)} MB` : '–';
    return `| ${m.name} | ${median(m.seconds).toFixed(1)} s | ${Math.round(rate(m)).toLocaleString('en-US')} | ${(manifest.jsonBytes / 1e6 / median(m.seconds)).toFixed(1)} | ${m === ours ? '1.00×' : `${ratio.toFixed(2)}×`} | ${rss} | ${m.note} |`;
  });
  const md = `# Ingest benchmark

Command: \`${command}\`
Machine: ${machine}; Node ${process.version}; DuckDB ${duckdb}
Date: ${new Date().toISOString().slice(0, 10)}
Archive: generated, seed ${manifest.seed}, ${manifest.events.toLocaleString('en-US')} events + ${manifest.insightEvents} Insight events in ${manifest.logFiles.toLocaleString('en-US')} log files (+${manifest.digestFiles} digests), ${(manifest.jsonBytes / 1e6).toFixed(0)} MB JSON, ${(manifest.storedBytes / 1e6).toFixed(0)} MB gzip, largest file ${(manifest.largestFileJsonBytes / 1e6).toFixed(1)} MB.
Medians of ${runs} run${runs === 1 ? '' : 's'} each, all in this one run. "ctlake vs" is ctlake's events/s divided by the row's.

| what | median wall | events/s | MB/s (JSON) | ctlake vs | peak RSS | notes |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Per-run seconds: ${measurements.map((m) => `${m.name}: ${m.seconds.map((s) => s.toFixed(1)).join(', ')}`).join('; ')}.
`;
  const resultsFile =
    values.results ?? path.join(benchDir, quick ? 'out/RESULTS-quick.md' : 'RESULTS.md');
  writeFileSync(resultsFile, md);
  writeFileSync(
    resultsFile.replace(/\.md$/, '.json'),
    JSON.stringify({ command, machine, archive: manifest.events, measurements }, null, 2),
  );
  process.stdout.write(md);
}

await main();
