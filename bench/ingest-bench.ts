/**
 * `npm run bench [-- --events N | --large | --quick] [--runs R]`: ctlake's ingest throughput on a
 * generated archive, in one run on one machine, against what a user would do by hand with DuckDB
 * (read_json with auto-detection, and with an explicit column list) and against floors measured
 * on the same files with the same worker count (parallel gunzip; gunzip + JSON.parse; ctlake's
 * own stages each alone). Then query latency of every named query on the lake produced, and peak
 * RSS on a 4× larger archive. Writes bench/RESULTS.md, bench/results.json and
 * bench/ingest-workers.svg. Nothing here asserts a timing; it measures and reports.
 *
 * `--shapes` measures ingest on each archive shape of the generator (`ArchiveShape`: the mixed
 * archive, a busy account, an organization trail) against DuckDB's explicit-column read of the
 * same files, alternating, and writes bench/RESULTS-shapes.md and its block in RESULTS.md; the
 * 10M archive's ratio comes from the last `--large` run.
 *
 * `--s3` runs only the S3 comparison (S3 from a loopback moto_server, a trivial GET loop against
 * the same server, and local disk) and writes bench/RESULTS-s3.md and its block in RESULTS.md.
 *
 * `--large` is the manual run at scale: a 10M-event archive (about 15 GB of JSON), ingested with
 * every core, then the named queries on that lake; it writes bench/RESULTS-large.md and
 * bench/results-large.json and leaves the default run's files alone.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { Piscina } from 'piscina';
import {
  type ArchiveManifest,
  type ArchiveShape,
  generateArchive,
} from '../fixtures/generator/archive.js';
import { batchArchive } from '../src/ingest/plan.js';
import { translateQuery } from '../src/query/dialect/translate.js';
import { LakeDatabase } from '../src/query/lake-database.js';
import { RECORD_FIELDS } from '../src/schema/event-schema.js';
import { quotedIdentifier, quotedString } from '../src/duckdb/sql-text.js';
import { LocalSource } from '../src/source/local.js';
import { type FloorMode, type FloorResult, type FloorTask, STAGES } from './floor-worker.js';
import { jsonNestedType, ROW_FORM_ENV, type RowForm } from '../src/ingest/part-sql.js';
import { barChartSvg } from '../src/text/svg-chart.js';
import { DETECT_BEGIN, DETECT_END, detectTables } from './detect-tables.js';
import { BENCH_END, BENCH_SEED, benchmarkArchive, publishTable } from './bench-run.js';
import { type QueryLatency, queryLatencies } from './query-latency.js';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fg from 'fast-glob';
import { hasMoto, MOTO_ENV, motoClient, startMoto } from '../fixtures/s3-server.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const benchDir = path.join(repo, 'bench');
const outDir = path.join(benchDir, 'out');

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    large: { type: 'boolean', default: false },
    shapes: { type: 'boolean', default: false },
    s3: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const events = Number(values.events ?? (quick ? 20_000 : values.large ? 10_000_000 : 1_000_000));
const runs = Number(values.runs ?? (quick || values.large ? 1 : 3));
const cores = os.availableParallelism();
const QUERY_RUNS = quick ? 3 : 9;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

interface IngestRun {
  readonly seconds: number;
  readonly rssMb: number;
}

/** Runs one ctlake command; its wall seconds and the peak RSS its summary line reports. */
function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<IngestRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(repo, 'bin', 'ctlake.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`ctlake ${args[0] ?? ''} exited ${String(code)}: ${stderr}`));
        return;
      }
      const rss = /peak RSS (\d+) MB/.exec(stderr);
      resolve({ seconds: (performance.now() - started) / 1000, rssMb: Number(rss?.[1] ?? NaN) });
    });
  });
}

function runIngest(
  dir: string,
  lake: string,
  workers: number,
  extra: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<IngestRun> {
  rmSync(lake, { recursive: true, force: true });
  return runCli(
    ['ingest', dir, '--lake', lake, '--quiet', '--workers', String(workers), ...extra],
    env,
  );
}

async function duckdb<T>(work: (run: (sql: string) => Promise<number>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(cores) });
  const connection = await instance.connect();
  try {
    return await work(async (sql) => {
      const started = performance.now();
      await connection.run(sql);
      return (performance.now() - started) / 1000;
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Explicit columns: every top-level field, nested ones as JSON text, scalars typed. */
function explicitRecordsType(): string {
  const fields = RECORD_FIELDS.map(
    (f) => `${quotedIdentifier(f.name)} ${jsonNestedType(f, 'TIMESTAMP')}`,
  );
  return `STRUCT(${fields.join(', ')})[]`;
}

/** What a user writes by hand: DuckDB's read_json with every top-level column named. */
function explicitBaselineSql(dir: string, target: string): string {
  return `COPY (SELECT unnest(Records, recursive := true) FROM read_json(${logGlobs(dir)}, maximum_object_size = 1073741824, columns = {'Records': ${quotedString(explicitRecordsType())}})) TO ${quotedString(target)} (FORMAT parquet, COMPRESSION zstd)`;
}

function logGlobs(dir: string): string {
  const glob = (folder: string): string =>
    quotedString(path.join(dir, 'AWSLogs', '**', folder, '*', '*', '*', '*', '*.json.gz'));
  return `[${glob('CloudTrail')}, ${glob('CloudTrail-Insight')}]`;
}

/** The ingest's own batches of the archive's log files (digests left out, as ingest does). */
async function batches(dir: string): Promise<string[][]> {
  const objects = [];
  for await (const o of new LocalSource(dir).list()) if (o.key.kind !== 'digest') objects.push(o);
  objects.sort((a, b) => (a.uri < b.uri ? -1 : 1));
  return batchArchive(objects, cores).map((b) => b.map((o) => o.uri));
}

async function floor(
  mode: FloorMode,
  work: readonly string[][],
): Promise<{ seconds: number; stages: Record<string, number> }> {
  const pool = new Piscina<FloorTask, FloorResult>({
    filename: path.join(repo, 'dist', 'bench', 'floor-worker.js'),
    minThreads: cores,
    maxThreads: cores,
  });
  const started = performance.now();
  const stages: Record<string, number> = {};
  try {
    const results = await Promise.all(
      work.map((files, i) =>
        pool.run({
          mode,
          files,
          scratchDir: path.join('/dev/shm', `ctlake-bench-${process.pid}-${i}`),
        }),
      ),
    );
    for (const r of results)
      for (const [k, v] of Object.entries(r.stages)) stages[k] = (stages[k] ?? 0) + v / 1000;
    return { seconds: (performance.now() - started) / 1000, stages };
  } finally {
    await pool.destroy();
  }
}

/** Named-query latencies on the lake as ingested, then after `ctlake compact`. */
interface QueryReport {
  readonly queries: readonly QueryLatency[];
  readonly compaction: IngestRun;
  readonly compacted: readonly QueryLatency[];
}

async function queriesBeforeAndAfterCompact(
  lake: string,
  manifest: ArchiveManifest,
): Promise<QueryReport> {
  const queries = await queryLatencies(lake, manifest, QUERY_RUNS);
  const compaction = await runCli(['compact', '--lake', lake]);
  log(`compact: ${compaction.seconds.toFixed(1)} s, ${compaction.rssMb} MB`);
  const compacted = await queryLatencies(lake, manifest, QUERY_RUNS);
  return { queries, compaction, compacted };
}

/** The query section's text and table, for RESULTS.md and RESULTS-large.md. */
function latencySection({ queries, compaction, compacted }: QueryReport): string {
  const rows = queries.map((q) => {
    const c = compacted.find((x) => x.name === q.name);
    const same = c?.rows === q.rows ? '' : ' (rows differ!)';
    return `| ${q.name} | ${q.p50.toFixed(0)} ms | ${q.p95.toFixed(0)} ms | ${c ? `${c.p50.toFixed(0)} ms` : '–'} | ${c ? `${c.p95.toFixed(0)} ms` : '–'} | ${q.rows}${same} |`;
  });
  return `${QUERY_RUNS} runs each, in one process (no CLI start-up), default parameters except the look-back windows (\`hours\`, \`days\`), which reach the archive's first day: on the lake as
ingested, then after \`ctlake compact\` (${compaction.seconds.toFixed(1)} s, peak RSS ${compaction.rssMb} MB).

| named query | p50 | p95 | p50 compacted | p95 compacted | rows |
|---|---|---|---|---|---|
${rows.join('\n')}`;
}

/** Literals in the IN-list measurement: a list pasted from a spreadsheet of indicators. */
const IN_LIST_VALUES = 60_000;

/** ctlake (translation, sandbox checks, run) against DuckDB alone, on one long IN list. */
interface InListLatency {
  readonly values: number;
  readonly ctlakeMs: readonly number[];
  readonly duckdbMs: readonly number[];
  readonly rows: number;
}

/**
 * A query with a 60,000-literal IN list, through ctlake's translation and checks and then run,
 * against the same query run by DuckDB directly on the lake's parts: what the translation costs
 * when the query text is large.
 */
async function inListLatency(lake: string): Promise<InListLatency> {
  const names = Array.from({ length: IN_LIST_VALUES }, (_, i) => `'Name${String(i)}'`);
  names.push("'GetObject'", "'InvokeModel'");
  const where = `WHERE "eventName" IN (${names.join(', ')})`;
  const db = await LakeDatabase.open(lake);
  const ctlakeMs: number[] = [];
  const duckdbMs: number[] = [];
  let rows = -1;
  try {
    for (let i = 0; i < 3; i++) {
      let started = performance.now();
      const translated = await translateQuery(
        db.connection,
        `SELECT count(*) AS n FROM cloudtrail ${where}`,
      );
      const ours = await db.connection.runAndReadAll(translated.sql);
      ctlakeMs.push(performance.now() - started);
      started = performance.now();
      const theirs = await db.connection.runAndReadAll(
        `SELECT count(*) AS n FROM cloudtrail ${where}`,
      );
      duckdbMs.push(performance.now() - started);
      const [a, b] = [Number(ours.getRowsJS()[0]?.[0]), Number(theirs.getRowsJS()[0]?.[0])];
      if (a !== b) throw new Error(`IN list: ctlake counted ${String(a)}, DuckDB ${String(b)}`);
      rows = a;
    }
  } finally {
    db.close();
  }
  log(
    `IN list: ctlake ${median(ctlakeMs).toFixed(0)} ms, DuckDB ${median(duckdbMs).toFixed(0)} ms`,
  );
  return { values: IN_LIST_VALUES, ctlakeMs, duckdbMs, rows };
}

function inListSection(r: InListLatency): string {
  return `### A ${r.values.toLocaleString('en-US')}-literal IN list

\`SELECT count(*) FROM cloudtrail WHERE "eventName" IN (…${r.values.toLocaleString('en-US')} literals…)\` on the lake as ingested, in one process, 3 runs, median:
ctlake (Lake-dialect translation, sandbox checks of the tree and of the printed SQL, the run)
${median(r.ctlakeMs).toFixed(0)} ms; DuckDB running the same text directly ${median(r.duckdbMs).toFixed(0)} ms
(${(median(r.ctlakeMs) / median(r.duckdbMs)).toFixed(2)}×); ${r.rows.toLocaleString('en-US')} events counted by both.`;
}

/**
 * S3 ingest from a loopback moto_server against local ingest of the same archive. The archive is
 * a smaller one (moto is a Python server and would dominate the time on the big one).
 */
async function s3Comparison(): Promise<Row[]> {
  if (!hasMoto()) {
    log('moto_server not found: S3 comparison skipped');
    return [];
  }
  const size = quick ? 5_000 : 100_000;
  const dir = path.join(outDir, `archive-s3-${size}`);
  if (!existsSync(`${dir}.done`)) {
    rmSync(dir, { recursive: true, force: true });
    await generateArchive({ outDir: dir, events: size, seed: BENCH_SEED, end: BENCH_END, days: 1 });
    writeFileSync(`${dir}.done`, '');
  }
  const moto = await startMoto();
  try {
    const client = motoClient(moto.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const keys = fg.sync('**/*.json.gz', { cwd: dir });
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(
        keys.slice(i, i + 64).map((key) =>
          client.send(
            new PutObjectCommand({
              Bucket: 'bench',
              Key: key,
              Body: readFileSync(path.join(dir, key)),
            }),
          ),
        ),
      );
    }
    const env = MOTO_ENV;
    const s3Row: Row = {
      name: `S3 (moto on loopback), ${size.toLocaleString('en-US')} events, ${cores} workers`,
      note: `${keys.length} objects; GETs fetched ahead, 4 per worker`,
      seconds: [],
    };
    const localRow: Row = {
      name: `local disk, same ${size.toLocaleString('en-US')} events, ${cores} workers`,
      note: 'the same archive read from disk, in the same run',
      seconds: [],
    };
    // What the server alone costs: every object fetched with the same concurrency as ctlake's
    // read-ahead, bodies read to the end, nothing else done with them.
    const inFlight = cores * 4;
    const getRow: Row = {
      name: `trivial GET loop against the same server, ${inFlight} in flight`,
      note: 'AWS SDK GetObject of every object, bodies read and dropped: what moto alone costs',
      seconds: [],
    };
    const getAll = async (): Promise<number> => {
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < keys.length) {
            const key = keys[next++] ?? '';
            const got = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
            await got.Body?.transformToByteArray();
          }
        }),
      );
      return (performance.now() - started) / 1000;
    };
    for (let r = 0; r < runs; r++) {
      getRow.seconds.push(await getAll());
      s3Row.seconds.push(
        (
          await runIngest(
            's3://bench',
            path.join(outDir, 'lake-s3'),
            cores,
            ['--endpoint-url', moto.endpoint],
            env,
          )
        ).seconds,
      );
      localRow.seconds.push((await runIngest(dir, path.join(outDir, 'lake-s3'), cores)).seconds);
      log(
        `S3 vs local run ${r + 1}: ${(s3Row.seconds[r] ?? 0).toFixed(1)} s vs ${(localRow.seconds[r] ?? 0).toFixed(1)} s`,
      );
    }
    rmSync(path.join(outDir, 'lake-s3'), { recursive: true, force: true });
    return [s3Row, getRow, localRow].map((row) => ({ ...row, events: size }));
  } finally {
    moto.stop();
  }
}

/** One archive shape's ctlake ingest against DuckDB's explicit-column read of the same files. */
interface ShapeResult {
  readonly label: string;
  readonly events: number;
  readonly files: number;
  readonly gzipMb: number;
  readonly ctlake: number[];
  readonly duckdb: number[];
  readonly rssMb: number[];
  /** Wall seconds of the ingest with each lighter row form (part-sql.ts), the same rounds. */
  readonly lighter?: Partial<Record<RowForm, number[]>>;
  /** The baseline's CPU seconds (user + system) in each run. */
  readonly duckdbCpu?: number[];
  /** ctlake's stages each alone (floor-worker's `components`), CPU seconds per 100k events. */
  readonly profile?: Record<string, number>;
}

/** The row forms `--shapes` also ingests with, to show what typing and the raw column cost. */
const LIGHTER_FORMS: readonly RowForm[] = [
  'lake-no-raw',
  'json-nested',
  'json-nested-no-raw',
  'scalars-raw',
];

/** The archive shapes measured by `--shapes` (issue 19); the 10M archive is `--large`'s. */
const SHAPES: readonly { shape: ArchiveShape; label: string; events: number; days: number }[] = [
  {
    shape: 'mixed',
    label: '(a) mixed: 2 accounts, 5 account-regions, 5-minute files of 1 event to 20+ MB',
    events: quick ? 20_000 : 1_000_000,
    days: 7,
  },
  {
    shape: 'busy-account',
    label: '(b) busy account: 2 accounts × 4 regions, files of 2,000–5,000 events',
    events: quick ? 20_000 : 400_000,
    days: 5,
  },
  {
    shape: 'org-trail',
    label: '(c) organization trail: 50 accounts × 16 regions, mostly tiny files',
    events: quick ? 20_000 : 1_000_000,
    days: 1,
  },
];

/** An archive's row of the shapes table, its runs still to be measured. */
function shapeResult(label: string, manifest: ArchiveManifest): ShapeResult {
  return {
    label,
    events: manifest.events + manifest.insightEvents,
    files: manifest.logFiles,
    gzipMb: manifest.storedBytes / 1e6,
    ctlake: [],
    duckdb: [],
    rssMb: [],
    lighter: Object.fromEntries(LIGHTER_FORMS.map((f) => [f, []])),
    duckdbCpu: [],
  };
}

/**
 * ctlake, ctlake with each lighter row form, and the explicit-column baseline on one archive,
 * alternating, `runs` times each; then ctlake's stages each alone on the same batches.
 */
async function shapeRuns(
  label: string,
  dir: string,
  manifest: ArchiveManifest,
  count: number,
): Promise<ShapeResult> {
  const lake = path.join(outDir, 'lake-shape');
  const target = path.join(outDir, 'baseline-shape.parquet');
  const result = shapeResult(label, manifest);
  for (let r = 0; r < count; r++) {
    const ours = await runIngest(dir, lake, cores);
    result.ctlake.push(ours.seconds);
    result.rssMb.push(ours.rssMb);
    for (const form of LIGHTER_FORMS) {
      const light = await runIngest(dir, lake, cores, [], { [ROW_FORM_ENV]: form });
      result.lighter?.[form]?.push(light.seconds);
    }
    rmSync(target, { force: true });
    const cpu = process.cpuUsage();
    result.duckdb.push(await duckdb((run) => run(explicitBaselineSql(dir, target))));
    const used = process.cpuUsage(cpu);
    result.duckdbCpu?.push((used.user + used.system) / 1e6);
    log(
      `${label} run ${r + 1}: ctlake ${ours.seconds.toFixed(1)} s, DuckDB ${(result.duckdb[r] ?? 0).toFixed(1)} s`,
    );
  }
  rmSync(lake, { recursive: true, force: true });
  rmSync(target, { force: true });
  const work = await batches(dir);
  const stageRuns: Record<string, number>[] = [];
  for (let r = 0; r < count; r++) stageRuns.push((await floor('components', work)).stages);
  const per100k = 100_000 / result.events;
  return {
    ...result,
    profile: Object.fromEntries(
      STAGES.map((s) => [s, median(stageRuns.map((run) => run[s] ?? 0)) * per100k]),
    ),
  };
}

/** The `--shapes` mode: every shape, then the 10M archive's ratio from the last `--large` run. */
async function mainShapes(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const results: ShapeResult[] = [];
  for (const { shape, label, events: size, days } of SHAPES) {
    const { dir, manifest } = await benchmarkArchive(size, shape, days);
    results.push(await shapeRuns(label, dir, manifest, runs));
  }
  results.push(...largeShape());
  const command = `npm run bench -- --shapes${quick ? ' --quick' : ''} --runs ${runs}`;
  const table = `${shapeSection(results)}
Command: \`${command}\` on ${machine}, ${new Date().toISOString().slice(0, 10)}; per-run seconds: ${results.map((r) => `${r.label.split(':')[0] ?? ''} ctlake ${r.ctlake.map((x) => x.toFixed(2)).join(', ')} / DuckDB ${r.duckdb.map((x) => x.toFixed(2)).join(', ')}`).join('; ')}.`;
  if (quick) {
    writeFileSync(path.join(outDir, 'RESULTS-shapes-quick.md'), `${table}\n`);
  } else {
    publishTable('shapes-bench', 'RESULTS-shapes.md', table);
    writeFileSync(
      path.join(benchDir, 'results-shapes.json'),
      JSON.stringify({ command, machine, shapes: results }, null, 2),
    );
  }
  process.stdout.write(`${table}\n`);
}

/** ctlake's events/s ÷ the baseline's, from the medians (the same events for both). */
const shapeRatio = (r: ShapeResult): number => median(r.duckdb) / median(r.ctlake);

function shapeSection(shapes: readonly ShapeResult[]): string {
  if (shapes.length === 0) return '';
  const best = Math.max(...shapes.map(shapeRatio));
  const rows = shapes.map(
    (r) =>
      `| ${r.label} | ${r.events.toLocaleString('en-US')} | ${r.files.toLocaleString('en-US')} | ${r.gzipMb.toFixed(0)} MB | ${median(r.ctlake).toFixed(2)} s | ${median(r.duckdb).toFixed(2)} s | ${shapeRatio(r).toFixed(2)}× | ${(shapeRatio(r) / best).toFixed(2)} | ${median(r.rssMb).toFixed(0)} MB |`,
  );
  return `### Ingest by archive shape

ctlake ingest (${cores} workers) against DuckDB's explicit-column \`read_json\` → Parquet on the same files, alternating, median of the runs each; ratio = ctlake's events/s ÷ DuckDB's; "of best" = the ratio ÷ the best shape's.

| shape | events | log files | gzip | ctlake | DuckDB explicit | ratio | of best | ctlake peak RSS |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${lighterSection(shapes)}${profileSection(shapes)}`;
}

const FORM_HEADINGS: Record<RowForm, string> = {
  lake: 'ctlake (Lake schema, raw event)',
  'lake-no-raw': 'no raw-event column',
  'json-nested': 'nested fields as JSON text',
  'json-nested-no-raw': 'nested as JSON text, no raw event',
  'scalars-raw': 'scalars only, nested fields left in the raw event',
};

/** What the Lake schema's typing and the raw column cost: the lighter row forms, per shape. */
function lighterSection(shapes: readonly ShapeResult[]): string {
  const measured = shapes.filter((r) => r.lighter !== undefined);
  if (measured.length === 0) return '';
  const cell = (r: ShapeResult, runs: readonly number[] | undefined): string =>
    runs === undefined || runs.length === 0
      ? '–'
      : `${median(runs).toFixed(2)} s (${(median(r.duckdb) / median(runs)).toFixed(2)}×)`;
  const rows = measured.map(
    (r) =>
      `| ${r.label.split(':')[0] ?? ''} | ${cell(r, r.ctlake)} | ${LIGHTER_FORMS.map((f) => cell(r, r.lighter?.[f])).join(' | ')} | ${median(r.duckdb).toFixed(2)} s |`,
  );
  return `
#### What the typing and the raw column cost

The same ingest with lighter row forms (\`${ROW_FORM_ENV}\`, benchmark only; \`src/ingest/part-sql.ts\`), in the same rounds: wall seconds, median, and in brackets the ratio to DuckDB's explicit-column read. None of them writes a Lake-schema lake: "nested fields as JSON text" types them as that reader does; "scalars only" keeps every nested field in the raw event alone, lossless, for a later rewrite (compaction) to type.

| shape | ${[FORM_HEADINGS.lake, ...LIGHTER_FORMS.map((f) => FORM_HEADINGS[f])].join(' | ')} | DuckDB explicit |
|---|---|${LIGHTER_FORMS.map(() => '---|').join('')}---|
${rows.join('\n')}
`;
}

/** ctlake's stages each alone per shape, against the baseline's whole CPU, per 100k events. */
function profileSection(shapes: readonly ShapeResult[]): string {
  const measured = shapes.filter((r) => r.profile !== undefined);
  if (measured.length === 0) return '';
  const rows = measured.map((r) => {
    const stages = STAGES.map((s) => r.profile?.[s] ?? 0);
    const sum = stages.reduce((a, b) => a + b, 0);
    const baseline =
      r.duckdbCpu === undefined || r.duckdbCpu.length === 0
        ? '–'
        : `${((median(r.duckdbCpu) * 100_000) / r.events).toFixed(2)} s`;
    return `| ${r.label.split(':')[0] ?? ''} | ${stages.map((x) => `${x.toFixed(2)} s`).join(' | ')} | ${sum.toFixed(2)} s | ${baseline} |`;
  });
  return `
#### Where ctlake's CPU goes, per shape

ctlake's worker stages each timed alone on the ingest's own batches (\`bench/floor-worker.ts\`, \`components\`), seconds of a core per 100k events (each worker runs DuckDB on one thread; the stages' times summed over the batches), median of the runs; the baseline's whole CPU time (user + system), for comparison.

| shape | prepare (read, gunzip, scan, SHA-256, scratch) | transform (json_transform + projection) | write (Parquet) | sum | DuckDB explicit, all of it |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

function s3Table(rows: readonly Row[], title = 'S3 against local disk'): string {
  return `### ${title}

| what | median wall | events/s | notes |
|---|---|---|---|
${rows.map((row) => `| ${row.name} | ${median(row.seconds).toFixed(2)} s | ${Math.round((row.events ?? 0) / median(row.seconds)).toLocaleString('en-US')} | ${row.note} |`).join('\n')}
`;
}

interface Row {
  readonly name: string;
  /** Events ingested, when not the main archive's. */
  readonly events?: number;
  readonly seconds: number[];
  readonly note: string;
  readonly rssMb?: number[];
}

/** The large mode: ingest at scale with every core, then named-query latency on that lake. */
async function mainLarge(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const { dir, manifest } = await benchmarkArchive(events);
  const total = manifest.events + manifest.insightEvents;
  const lake = path.join(outDir, 'lake-large');
  const ingestRuns: IngestRun[] = [];
  for (let i = 0; i < runs; i++) {
    ingestRuns.push(await runIngest(dir, lake, cores));
    log(`large ingest run ${i + 1}: ${(ingestRuns[i]?.seconds ?? 0).toFixed(1)} s`);
  }
  const baseline = path.join(outDir, 'baseline-large.parquet');
  const duckdbRuns: number[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(baseline, { force: true });
    duckdbRuns.push(await duckdb((run) => run(explicitBaselineSql(dir, baseline))));
    log(`large DuckDB explicit run ${i + 1}: ${(duckdbRuns[i] ?? 0).toFixed(1)} s`);
  }
  rmSync(baseline, { force: true });
  const shape = shapeResult(
    `(d) the ${(total / 1e6).toFixed(0)}M archive (\`--large\`, ${new Date().toISOString().slice(0, 10)})`,
    manifest,
  );
  shape.ctlake.push(...ingestRuns.map((r) => r.seconds));
  shape.duckdb.push(...duckdbRuns);
  shape.rssMb.push(...ingestRuns.map((r) => r.rssMb));
  const queryReport = await queriesBeforeAndAfterCompact(lake, manifest);
  const seconds = median(ingestRuns.map((r) => r.seconds));
  const rssMb = median(ingestRuns.map((r) => r.rssMb));
  const command = `npm run bench -- --large --events ${events} --runs ${runs}`;
  const md = `# Ingest and query benchmark at scale

Command: \`${command}\`
Machine: ${machine}; Node ${process.version}; DuckDB 1.5.6 (\`@duckdb/node-api\` 1.5.6-r.1)
Date: ${new Date().toISOString().slice(0, 10)}
Archive: generated, seed ${manifest.seed}: ${manifest.events.toLocaleString('en-US')} events + ${manifest.insightEvents} Insight events in ${manifest.logFiles.toLocaleString('en-US')} log files, ${(manifest.jsonBytes / 1e6).toFixed(0)} MB JSON, ${(manifest.storedBytes / 1e6).toFixed(0)} MB gzip, largest file ${(manifest.largestFileJsonBytes / 1e6).toFixed(1)} MB.

## Ingest (${cores} workers, ${runs} run${runs === 1 ? '' : 's'}, median)

| events | wall | events/s | MB/s (JSON) | peak RSS |
|---|---|---|---|---|
| ${total.toLocaleString('en-US')} | ${seconds.toFixed(1)} s | ${Math.round(total / seconds).toLocaleString('en-US')} | ${(manifest.jsonBytes / 1e6 / seconds).toFixed(1)} | ${rssMb} MB |

DuckDB's explicit-column \`read_json\` → Parquet on the same files: ${median(duckdbRuns).toFixed(1)} s; ctlake ÷ DuckDB events/s: ${shapeRatio(shape).toFixed(2)}×.

## Query latency on the ${total.toLocaleString('en-US')}-event lake

${latencySection(queryReport)}
`;
  writeFileSync(path.join(benchDir, 'RESULTS-large.md'), md);
  writeFileSync(
    path.join(benchDir, 'results-large.json'),
    JSON.stringify(
      { command, machine, events: total, ingest: ingestRuns, shape, ...queryReport },
      null,
      2,
    ),
  );
  rmSync(lake, { recursive: true, force: true });
  process.stdout.write(md);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const { dir, manifest } = await benchmarkArchive(events);
  const total = manifest.events + manifest.insightEvents;
  const lake = path.join(outDir, 'lake-ctlake');

  const sweep: Row[] = [];
  for (let workers = 1; workers <= cores; workers++) {
    const row: Row = {
      name: `ctlake ingest, ${workers} worker${workers === 1 ? '' : 's'}`,
      seconds: [],
      rssMb: [],
      note: 'full Lake schema, eventJson, SHA-256, provenance, Hive-partitioned zstd Parquet, catalog',
    };
    for (let i = 0; i < runs; i++) {
      const r = await runIngest(dir, lake, workers);
      row.seconds.push(r.seconds);
      row.rssMb?.push(r.rssMb);
      log(`${row.name} run ${i + 1}: ${r.seconds.toFixed(1)} s, ${r.rssMb} MB`);
    }
    sweep.push(row);
  }
  const ours = sweep[sweep.length - 1];
  if (!ours) throw new Error('no ingest measured');

  const target = path.join(outDir, 'baseline.parquet');
  const glob = logGlobs(dir);
  const baselines: Row[] = [
    {
      name: 'DuckDB read_json auto-detect → Parquet',
      note: 'sample_size = -1 over all files (the default sample fails on this archive); no raw-event column',
      seconds: [],
    },
    {
      name: 'DuckDB read_json explicit columns → Parquet',
      note: 'top-level columns, nested ones as JSON text; no raw-event column',
      seconds: [],
    },
  ];
  const baselineSql = [
    `COPY (SELECT unnest(Records, recursive := true) FROM read_json(${glob}, maximum_object_size = 1073741824, sample_size = -1, maximum_sample_files = 1000000)) TO ${quotedString(target)} (FORMAT parquet, COMPRESSION zstd)`,
    explicitBaselineSql(dir, target),
  ];
  for (const [i, row] of baselines.entries()) {
    for (let r = 0; r < runs; r++) {
      rmSync(target, { force: true });
      row.seconds.push(await duckdb((run) => run(baselineSql[i] ?? '')));
      log(`${row.name} run ${r + 1}: ${(row.seconds[r] ?? 0).toFixed(1)} s`);
    }
  }
  rmSync(target, { force: true });

  const work = await batches(dir);
  const floors: Row[] = [
    {
      name: `floor: parallel read + gunzip (${cores} workers)`,
      note: 'the same batches, nothing else',
      seconds: [],
    },
    {
      name: `floor: read + gunzip + JSON.parse (${cores} workers)`,
      note: 'the least a JavaScript reader does',
      seconds: [],
    },
  ];
  const componentRuns: { seconds: number; stages: Record<string, number> }[] = [];
  for (let r = 0; r < runs; r++) {
    floors[0]?.seconds.push((await floor('gunzip', work)).seconds);
    floors[1]?.seconds.push((await floor('parse', work)).seconds);
    componentRuns.push(await floor('components', work));
    log(`floors run ${r + 1}: ${floors.map((f) => (f.seconds[r] ?? 0).toFixed(1)).join(' s, ')} s`);
  }
  const stageMedians = Object.fromEntries(
    STAGES.map((s) => [s, median(componentRuns.map((c) => c.stages[s] ?? 0)) / cores]),
  );
  const componentFloor: Row = {
    name: `floor: ctlake's stages, each alone (${cores} workers)`,
    note: `sum of per-stage CPU time / ${cores}: prepare (read, gunzip, scan, SHA-256, scratch) ${stageMedians['prepare']?.toFixed(1)} s + transform (DuckDB json_transform + projection) ${stageMedians['transform']?.toFixed(1)} s + write (Parquet COPY) ${stageMedians['write']?.toFixed(1)} s; the stages hand over through a materialized table, which ctlake's single streaming statement avoids, so ctlake can beat this sum`,
    seconds: componentRuns.map((c) => STAGES.reduce((n, s) => n + (c.stages[s] ?? 0), 0) / cores),
  };

  await runIngest(dir, lake, cores);
  const inList = await inListLatency(lake);
  const queryReport = await queriesBeforeAndAfterCompact(lake, manifest);

  let large: { events: number; rssMb: number; seconds: number } | undefined;
  if (!quick) {
    const big = await benchmarkArchive(events * 4);
    const r = await runIngest(big.dir, path.join(outDir, 'lake-4x'), cores);
    large = { events: big.manifest.events, rssMb: r.rssMb, seconds: r.seconds };
    rmSync(path.join(outDir, 'lake-4x'), { recursive: true, force: true });
    log(`4× archive: ${r.seconds.toFixed(1)} s, ${r.rssMb} MB`);
  }

  const s3 = await s3Comparison();
  report({
    manifest,
    total,
    sweep,
    ours,
    baselines,
    floors: [...floors, componentFloor],
    ...queryReport,
    inList,
    large,
    s3,
  });
}

/** Shape (d), the 10M archive, as the last `--large` run measured it (a separate run). */
function largeShape(): ShapeResult[] {
  const file = path.join(benchDir, 'results-large.json');
  if (quick || !existsSync(file)) return [];
  const large = JSON.parse(readFileSync(file, 'utf8')) as { shape?: ShapeResult };
  return large.shape === undefined ? [] : [large.shape];
}

interface Report extends QueryReport {
  readonly manifest: ArchiveManifest;
  readonly total: number;
  readonly sweep: readonly Row[];
  readonly ours: Row;
  readonly baselines: readonly Row[];
  readonly floors: readonly Row[];
  readonly large: { events: number; rssMb: number; seconds: number } | undefined;
  readonly s3: readonly Row[];
  readonly inList: InListLatency;
}

/**
 * The blocks other benchmarks keep in RESULTS.md between `<!-- name -->` markers (detect, verify,
 * investigate, report, forms, scale, shapes), carried over when this run rewrites the file.
 */
function otherBenchBlocks(): string {
  const file = path.join(benchDir, 'RESULTS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const blocks = [...text.matchAll(/<!-- ([a-z-]+) -->[\s\S]*?<!-- \/\1 -->/g)].map((m) => m[0]);
  if (!blocks.some((b) => b.startsWith(DETECT_BEGIN))) {
    const tables = detectTables(benchDir);
    if (tables !== '') blocks.unshift(`${DETECT_BEGIN}\n${tables}\n${DETECT_END}`);
  }
  return blocks.map((b) => `${b}\n\n`).join('');
}

function report(r: Report): void {
  const rate = (row: Row): number => (row.events ?? r.total) / median(row.seconds);
  const mbs = (row: Row): number => r.manifest.jsonBytes / 1e6 / median(row.seconds);
  const command = `npm run bench --${quick ? ' --quick' : ''} --events ${events} --runs ${runs}`;
  const line = (row: Row, vs: boolean): string =>
    `| ${row.name} | ${median(row.seconds).toFixed(2)} s | ${Math.round(rate(row)).toLocaleString('en-US')} | ${mbs(row).toFixed(1)} | ${vs ? `${(rate(r.ours) / rate(row)).toFixed(2)}×` : '–'} | ${row.rssMb ? `${median(row.rssMb).toFixed(0)} MB` : '–'} | ${row.note} |`;
  const rssFlat = r.large
    ? `Peak RSS on the ${r.large.events.toLocaleString('en-US')}-event archive: ${r.large.rssMb} MB (${((r.large.rssMb / median(r.ours.rssMb ?? [])) * 100 - 100).toFixed(0)}% vs the ${r.manifest.events.toLocaleString('en-US')}-event one), ingested in ${r.large.seconds.toFixed(1)} s (${Math.round(r.large.events / r.large.seconds).toLocaleString('en-US')} events/s).`
    : 'Peak RSS on a 4× archive: not measured in this mode.';
  const md = `# Ingest benchmark

Command: \`${command}\`
Machine: ${machine}; Node ${process.version}; DuckDB 1.5.6 (\`@duckdb/node-api\` 1.5.6-r.1)
Date: ${new Date().toISOString().slice(0, 10)}
Archive: generated, seed ${r.manifest.seed}: ${r.manifest.events.toLocaleString('en-US')} events + ${r.manifest.insightEvents} Insight events in ${r.manifest.logFiles.toLocaleString('en-US')} log files (+${r.manifest.digestFiles} digests), ${(r.manifest.jsonBytes / 1e6).toFixed(0)} MB JSON, ${(r.manifest.storedBytes / 1e6).toFixed(0)} MB gzip, largest file ${(r.manifest.largestFileJsonBytes / 1e6).toFixed(1)} MB.
Every figure is the median of ${runs} run${runs === 1 ? '' : 's'}, all measured in this one run. "ctlake vs" = ctlake's events/s at ${cores} workers ÷ the row's.

## Ingest

| what | median wall | events/s | MB/s (JSON) | ctlake vs | peak RSS | notes |
|---|---|---|---|---|---|---|
${r.sweep.map((row) => line(row, row !== r.ours)).join('\n')}
${r.baselines.map((row) => line(row, true)).join('\n')}
${r.floors.map((row) => line(row, true)).join('\n')}

![events/s by worker count](ingest-workers.svg)

${r.s3.length === 0 ? 'S3: not measured (moto_server not found).' : s3Table(r.s3)}

${rssFlat}

${otherBenchBlocks()}## Query latency on the lake produced

${latencySection(r)}

${inListSection(r.inList)}

Per-run seconds: ${[...r.sweep, ...r.baselines, ...r.floors].map((row) => `${row.name}: ${row.seconds.map((s) => s.toFixed(2)).join(', ')}`).join('; ')}.

${readFileSync(path.join(benchDir, 'EXPERIMENTS.md'), 'utf8')}`;
  const base = quick ? path.join(outDir, 'RESULTS-quick') : path.join(benchDir, 'RESULTS');
  writeFileSync(`${base}.md`, md);
  writeFileSync(
    path.join(quick ? outDir : benchDir, 'results.json'),
    JSON.stringify(
      {
        command,
        machine,
        events: r.total,
        rows: [...r.sweep, ...r.baselines, ...r.floors].map((row) => ({
          ...row,
          eventsPerSecond: rate(row),
        })),
        queries: r.queries,
        compaction: r.compaction,
        compacted: r.compacted,
        inList: r.inList,
        large: r.large,
      },
      null,
      2,
    ),
  );
  writeFileSync(
    path.join(quick ? outDir : benchDir, 'ingest-workers.svg'),
    barChartSvg('ctlake ingest: events/s by worker count', [
      ...r.sweep.map((row) => ({
        label: row.name.replace('ctlake ingest, ', ''),
        value: rate(row),
      })),
      ...r.baselines.map((row) => ({
        label: row.name.replace('DuckDB read_json ', 'DuckDB ').replace(' → Parquet', ''),
        value: rate(row),
        muted: true,
      })),
    ]),
  );
  process.stdout.write(md);
}

/** The `--s3` mode: where the S3 path's time goes, against the same server served to a GET loop. */
async function mainS3(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const rows = await s3Comparison();
  if (rows.length === 0) return;
  const [s3, get, local] = rows;
  const rate = (row: Row | undefined): number =>
    row === undefined ? NaN : (row.events ?? 0) / median(row.seconds);
  const table = `${s3Table(rows, 'Where S3 ingest time goes: ctlake, the server alone, local disk (`--s3`)')}
\`npm run bench -- --s3 --runs ${runs}\` on ${machine}, ${new Date().toISOString().slice(0, 10)}, medians of ${runs}: ctlake from S3 reaches ${((rate(s3) / rate(local)) * 100).toFixed(0)}% of its local speed; the server alone, fetching the same objects with the same concurrency and doing nothing with them, takes ${((median(get?.seconds ?? []) / median(s3?.seconds ?? [])) * 100).toFixed(0)}% of ctlake's S3 wall time.`;
  if (!quick) publishTable('s3-bench', 'RESULTS-s3.md', table);
  process.stdout.write(`${table}\n`);
}

await (values.large ? mainLarge() : values.shapes ? mainShapes() : values.s3 ? mainS3() : main());
