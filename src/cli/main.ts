/**
 * The `ctlake` command line. Thin: it parses flags, calls the library and prints. Every error a
 * user can cause ends as one line on stderr and an exit status, never a stack trace.
 */
import os from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CtlakeError, UsageError } from '../errors.js';
import { DEFAULT_WORKER_MEMORY, ingest } from '../ingest/ingest.js';
import { compactLake, DEFAULT_COMPACT_MEMORY } from '../lake/compact.js';
import { DEFAULT_LAKE_DIR, lakeLayout } from '../lake/layout.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../query/formats.js';
import { findNamedQuery, loadNamedQueries } from '../query/named-queries.js';
import { DEFAULT_QUERY_LIMITS } from '../query/lake-database.js';
import { DEFAULT_QUERY_TIMEOUT_SECONDS, type QuerySource, runQuery } from '../query/run-query.js';
import { LocalSource } from '../source/local.js';
import { parseObjectFilter } from '../source/object-filter.js';
import { isS3Uri, type S3Settings } from '../source/s3-settings.js';
import type { TrailSource } from '../source/trail-source.js';
import { terminalSafe } from '../text/terminal-safe.js';
import { IngestProgressBar, summaryLine } from './progress.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * One line on stderr, `ctlake: ` first. The text may hold file names, S3 keys and messages taken
 * from the input: they are shown inert (terminal-safe.ts), so no name can clear the screen or
 * forge a line of its own.
 */
function say(text: string): void {
  process.stderr.write(`ctlake: ${terminalSafe(text)}\n`);
}

const EXIT_OK = 0;
const EXIT_INPUT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

/** More threads than this only queue for the cores and multiply the memory. */
const MAX_WORKERS = 256;

function workerCount(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_WORKERS) throw new InvalidArgumentError(`expected at most ${String(MAX_WORKERS)}`);
  return n;
}

const UNIT_BYTES: Record<string, number> = {
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
};

/** Below this DuckDB cannot even hold a record batch: every object would fail. */
const MIN_MEMORY_BYTES = 16e6;

function memorySize(value: string): string {
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|KiB|MiB|GiB)$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a size such as 256MB or 1GB');
  const unit = (match[2] ?? '').toUpperCase();
  if (Number(match[1]) * (UNIT_BYTES[unit] ?? 0) < MIN_MEMORY_BYTES) {
    throw new InvalidArgumentError('expected at least 16MB');
  }
  return `${match[1] ?? ''}${unit.replace('IB', 'iB')}`;
}

interface IngestFlags {
  lake: string;
  workers: number;
  workerMemory: string;
  quiet?: boolean;
  since?: string;
  until?: string;
  account: string[];
  region: string[];
  profile?: string;
  endpointUrl?: string;
  s3Region?: string;
  pathStyle?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((v) => v !== '')];
}

async function sourcesFrom(
  specs: string[],
  flags: IngestFlags,
): Promise<{ sources: TrailSource[]; s3: S3Settings }> {
  const s3: S3Settings = {
    forcePathStyle: flags.pathStyle ?? flags.endpointUrl !== undefined,
    ...(flags.s3Region ? { region: flags.s3Region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.endpointUrl ? { endpoint: flags.endpointUrl } : {}),
  };
  const filter = parseObjectFilter(flags);
  // The AWS SDK is loaded only for an s3:// source (~100 ms at start-up otherwise).
  const s3Source = specs.some(isS3Uri) ? (await import('../source/s3.js')).S3Source : undefined;
  const sources = specs.map((spec): TrailSource =>
    s3Source && isS3Uri(spec) ? s3Source.fromUri(spec, s3, filter) : new LocalSource(spec),
  );
  return { sources, s3 };
}

/** Ctrl-C and SIGTERM abort `controller` (once, with `message`) until `dispose` is called. */
function onInterrupt(message: string): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: the user will not wait. Committed work is safe and the rest is redone
      // by the next run, as after kill -9. The default action of the signal ends the process at
      // once (status 130 for SIGINT); process.exit would first tear down worker threads still
      // inside DuckDB, which aborts with a native stack.
      say('interrupted again, exiting now');
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.kill(process.pid, signal);
      return;
    }
    process.stderr.write('\n');
    say(`interrupted, ${message}`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

async function ingestCommand(sources: string[], flags: IngestFlags): Promise<number> {
  const interrupt = onInterrupt('stopping workers and committing what is done…');
  const bar = process.stderr.isTTY && !flags.quiet ? new IngestProgressBar() : undefined;
  try {
    const { sources: trailSources, s3 } = await sourcesFrom(sources, flags);
    const run = ingest({
      sources: trailSources,
      s3,
      filter: parseObjectFilter(flags),
      lakeDir: flags.lake,
      workers: flags.workers,
      workerMemoryLimit: flags.workerMemory,
      signal: interrupt.signal,
      onPlanned: (plan) => bar?.start(plan.todo),
      onProgress: (p) => bar?.update(p),
      onObjectError: (uri, reason) => {
        bar?.stop();
        say(`${uri}: ${reason}`);
      },
      onListingProblem: ({ place, reason }) => {
        say(`${place}: ${reason}`);
      },
    });
    const summary = await run.catch((error: unknown) => {
      // Interrupted while the sources were still being listed: nothing was started.
      if (interrupt.signal.aborted && error instanceof Error && error.name === 'AbortError') {
        return undefined;
      }
      throw error;
    });
    if (summary === undefined) return EXIT_INTERRUPTED;
    bar?.stop();
    // maxRSS covers the worker threads too: they live in this process.
    process.stderr.write(summaryLine(summary, process.resourceUsage().maxRSS * 1024) + '\n');
    if (summary.interrupted) return EXIT_INTERRUPTED;
    return summary.errors > 0 ? EXIT_INPUT_FAILED : EXIT_OK;
  } finally {
    bar?.stop();
    interrupt.dispose();
  }
}

async function compactCommand(flags: { lake: string; memory: string }): Promise<number> {
  const layout = lakeLayout(flags.lake);
  if (!existsSync(layout.catalogPath))
    throw new UsageError(`no lake at ${layout.root} (ctlake ingest creates one)`);
  const interrupt = onInterrupt('finishing the day being written…');
  const started = performance.now();
  try {
    const summary = await compactLake({
      lakeDir: flags.lake,
      memoryLimit: flags.memory,
      signal: interrupt.signal,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      summary.days === 0 && !summary.interrupted
        ? `compact: nothing to do, every day of ${layout.root} is one compacted part\n`
        : `compacted: ${String(summary.days)} days, ${String(summary.partsBefore)} parts → ${String(summary.days)}, ${String(summary.rows)} events, ${seconds} s, peak RSS ${String(Math.round(process.resourceUsage().maxRSS / 1024))} MB\n`,
    );
    return summary.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}

interface QueryFlags {
  lake: string;
  format: OutputFormat;
  file?: string;
  name?: string;
  out?: string;
  param: Record<string, string>;
  timeout: number;
  memory: string;
  csvSafe?: boolean;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') {
    throw new InvalidArgumentError('expected a number of seconds (0 for no limit)');
  }
  return n;
}

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected name=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

async function queryCommand(sqlArg: string | undefined, flags: QueryFlags): Promise<number> {
  const given = [sqlArg, flags.file, flags.name].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new UsageError('give the query as SQL text, with --file, or with --name (exactly one)');
  let source: QuerySource;
  if (flags.name !== undefined) source = { kind: 'named', query: findNamedQuery(flags.name) };
  else if (flags.file !== undefined) {
    const file = flags.file;
    const sql = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new UsageError(`cannot read --file ${file}: ${(error as Error).message}`);
    });
    source = { kind: 'text', sql };
  } else source = { kind: 'text', sql: sqlArg ?? '' };
  if (flags.csvSafe === true && flags.format !== 'csv') {
    throw new UsageError('--csv-safe applies to --format csv only');
  }
  const interrupt = onInterrupt('stopping the query…');
  try {
    await runQuery(
      {
        lakeDir: flags.lake,
        source,
        format: flags.format,
        params: flags.param,
        ...(flags.out === undefined ? {} : { outFile: flags.out }),
        limits: { ...DEFAULT_QUERY_LIMITS, memory: flags.memory },
        timeoutSeconds: flags.timeout,
        signal: interrupt.signal,
        csvSafe: flags.csvSafe ?? false,
      },
      process.stdout,
    );
  } finally {
    interrupt.dispose();
  }
  return EXIT_OK;
}

function queriesCommand(): number {
  for (const q of loadNamedQueries()) {
    const params = q.parameters.map(
      (p) => `${p.name}${p.defaultValue === undefined ? '' : `=${p.defaultValue}`}`,
    );
    process.stdout.write(
      `${q.name}${params.length > 0 ? ` [${params.join(', ')}]` : ''}\n  ${q.title}: ${q.description}\n`,
    );
  }
  return EXIT_OK;
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('ctlake')
    .description(
      'CloudTrail Lake, offline: ingest CloudTrail archives into a local lake and query them',
    )
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => {
        write(text.split('\n').map(terminalSafe).join('\n'));
      },
    })
    .showSuggestionAfterError();

  const lakeOption = (): Option =>
    new Option('--lake <dir>', 'lake directory').default(DEFAULT_LAKE_DIR);

  program
    .command('ingest')
    .description(
      'read CloudTrail log files (.json.gz / .json) from directories, files or globs into the lake',
    )
    .argument('<source...>', 'directories (searched recursively), files or glob patterns')
    .addOption(lakeOption())
    .addOption(
      new Option('--workers <n>', 'worker threads')
        .argParser(workerCount)
        .default(os.availableParallelism()),
    )
    .addOption(
      new Option('--worker-memory <size>', 'DuckDB memory limit per worker, e.g. 256MB or 1GB')
        .argParser(memorySize)
        .default(DEFAULT_WORKER_MEMORY),
    )
    .option('--quiet', 'no progress bar')
    .option('--since <time>', 'read only objects delivered on or after this day')
    .option(
      '--until <time>',
      'read only objects delivered up to this day (and the next, for late deliveries)',
    )
    .option(
      '--account <id>',
      'read only these accounts (repeatable, or comma-separated)',
      collect,
      [],
    )
    .option(
      '--region <region>',
      'read only these CloudTrail regions (repeatable, or comma-separated)',
      collect,
      [],
    )
    .option(
      '--profile <name>',
      'AWS profile for s3:// sources (shared config and credentials files)',
    )
    .option(
      '--endpoint-url <url>',
      'S3-compatible endpoint for s3:// sources (implies --path-style)',
    )
    .option(
      '--s3-region <region>',
      'region of the S3 client (default: AWS_REGION, else us-east-1; redirects are followed)',
    )
    .option('--path-style', 'path-style S3 addressing (bucket in the path, not the host name)')
    .action(async (sources: string[], flags: IngestFlags) => {
      setExit(await ingestCommand(sources, flags));
    });

  program
    .command('query')
    .description(
      'run CloudTrail Lake SQL on the lake (FROM <event data store ID> or FROM cloudtrail)',
    )
    .argument('[sql]', 'the SQL text')
    .addOption(lakeOption())
    .addOption(
      new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table'),
    )
    .option('--file <file>', 'read the SQL from a file')
    .option('--name <name>', 'run a named query from the pack (see ctlake queries)')
    .option('--out <file>', 'write the result to a file (required for parquet and arrow)')
    .option(
      '--param <name=value>',
      'a value for a ${name} parameter (repeatable)',
      collectParam,
      {},
    )
    .addOption(
      new Option('--timeout <seconds>', 'stop the query after this long (0: no limit)')
        .argParser(seconds)
        .default(DEFAULT_QUERY_TIMEOUT_SECONDS),
    )
    .addOption(
      new Option('--memory <size>', 'DuckDB memory limit for the query (it spills beyond it)')
        .argParser(memorySize)
        .default(DEFAULT_QUERY_LIMITS.memory),
    )
    .option(
      '--csv-safe',
      "with --format csv: write values a spreadsheet would run as formulas with a leading '",
    )
    .action(async (sql: string | undefined, flags: QueryFlags) => {
      setExit(await queryCommand(sql, flags));
    });

  program
    .command('compact')
    .description(
      'rewrite each day of the lake into one file clustered by eventSource and eventName (faster queries)',
    )
    .addOption(lakeOption())
    .addOption(
      new Option('--memory <size>', 'DuckDB memory limit for the rewrite, e.g. 1GB')
        .argParser(memorySize)
        .default(DEFAULT_COMPACT_MEMORY),
    )
    .action(async (flags: { lake: string; memory: string }) => {
      setExit(await compactCommand(flags));
    });

  program
    .command('queries')
    .description('list the named queries (run one with ctlake query --name NAME)')
    .action(() => {
      setExit(queriesCommand());
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CtlakeError) {
      say(error.message);
      if (error.code === 'INTERRUPTED') return EXIT_INTERRUPTED;
      return error.code === 'USAGE' ? EXIT_USAGE : EXIT_INPUT_FAILED;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    say(`unexpected error: ${detail.split('\n', 1)[0] ?? ''}`);
    process.stderr.write(`${detail.split('\n').slice(1).map(terminalSafe).join('\n')}\n`);
    return EXIT_INPUT_FAILED;
  }
}

// ctlake pins the AWS SDK version and documents the Node versions it supports (README); the
// SDK's own notice about its future releases would only add noise to every run.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

// A reader that stops early (`ctlake query … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
  say(`cannot write the output: ${error.code ?? error.message}`);
  process.exit(EXIT_INPUT_FAILED);
});

process.exitCode = await main(process.argv);
