/**
 * The `ctlake` command line. Thin: it declares the flags, and each command's module parses its
 * flags into a library call and prints the result. Command modules are loaded only when their
 * command runs, so `ctlake --help` loads neither DuckDB nor the worker pool. Every error a user
 * can cause ends as one line on stderr and an exit status, never a stack trace.
 */
import os from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import {
  DEFAULT_BASELINE_DAYS,
  DEFAULT_COMPACT_MEMORY,
  DEFAULT_LAKE_DIR,
  DEFAULT_QUERY_LIMITS,
  DEFAULT_QUERY_TIMEOUT_SECONDS,
  DEFAULT_LEARNING_DAYS,
  DEFAULT_WORKER_MEMORY,
  FINDING_FORMATS,
  OUTPUT_FORMATS,
} from '../defaults.js';
import { SEVERITIES } from '../detect/finding.js';
import { ENTITY_KINDS } from '../investigate/entity.js';
import { CtlakeError } from '../errors.js';
import { terminalSafe } from '../text/terminal-safe.js';
import { LAKE_ENGINES } from '../scale/lake-engines.js';
import { EVENT_TABLE_NAME } from '../schema/event-schema.js';
import type { DdlFlags } from './commands/ddl.js';
import type { DetectFlags } from './commands/detect.js';
import type { DownloadFlags } from './commands/download.js';
import type { IngestFlags } from './commands/ingest.js';
import type { InvestigateFlags } from './commands/investigate.js';
import type { PushFlags } from './commands/push.js';
import type { QueryFlags } from './commands/query.js';
import type { ReportFlags } from './commands/report.js';
import type { VerifyFlags } from './commands/verify.js';
import {
  collect,
  collectParam,
  memorySize,
  positiveInt,
  seconds,
  shard,
  workerCount,
} from './options.js';
import { EXIT_INPUT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, say } from './terminal.js';

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
  const s3Options = (): Option[] => [
    new Option(
      '--profile <name>',
      'AWS profile for s3:// sources (shared config and credentials files)',
    ),
    new Option(
      '--endpoint-url <url>',
      'S3-compatible endpoint for s3:// sources (implies --path-style)',
    ),
    new Option(
      '--s3-region <region>',
      'region of the S3 client (default: AWS_REGION, else us-east-1; redirects are followed)',
    ),
    new Option('--path-style', 'path-style S3 addressing (bucket in the path, not the host name)'),
  ];
  const withOptions = (command: Command, options: readonly Option[]): Command => {
    for (const option of options) command.addOption(option);
    return command;
  };
  const selectionOptions = (what: string): Option[] => [
    new Option('--since <time>', `${what} only objects delivered on or after this day or time`),
    new Option('--until <time>', `${what} only objects delivered up to this day or time`),
    new Option('--account <id>', `${what} only these accounts (repeatable, or comma-separated)`)
      .argParser(collect)
      .default([]),
    new Option('--region <region>', `${what} only these regions (repeatable, or comma-separated)`)
      .argParser(collect)
      .default([]),
  ];

  const ingest = program
    .command('ingest')
    .description(
      'read CloudTrail log files (.json.gz / .json) from directories, files, globs or s3:// prefixes into the lake',
    )
    .argument('<source...>', 'directories (searched recursively), files, glob patterns, s3:// URIs')
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
    .addOption(
      new Option(
        '--shard <i/n>',
        'read only share i (from 0) of n, chosen by each object key: n machines each build a lake',
      ).argParser(shard),
    );
  withOptions(ingest, s3Options()).action(async (sources: string[], flags: IngestFlags) => {
    const { ingestCommand } = await import('./commands/ingest.js');
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
      const { queryCommand } = await import('./commands/query.js');
      setExit(await queryCommand(sql, flags));
    });

  program
    .command('compact')
    .description(
      'rewrite each day of the lake into one file clustered by eventSource and eventName (faster queries)',
    )
    .addOption(lakeOption())
    .addOption(
      new Option(
        '--memory <size>',
        'DuckDB memory limit for the rewrite (the process peaks up to half above it)',
      )
        .argParser(memorySize)
        .default(DEFAULT_COMPACT_MEMORY),
    )
    .action(async (flags: { lake: string; memory: string }) => {
      const { compactCommand } = await import('./commands/compact.js');
      setExit(await compactCommand(flags));
    });

  program
    .command('detect')
    .description(
      'run detections over the lake: Sigma rules, CloudWatch metric filters and alarms, the built-in packs, first-seen anomalies',
    )
    .addOption(lakeOption())
    .option(
      '--pack <name>',
      'a built-in pack: sigma, genai, attack, cis, seeds, anomalies (repeatable; default: all)',
      collect,
    )
    .option('--rules <path>', 'Sigma or ctlake rule files or folders (repeatable)', collect)
    .option(
      '--metric-filters <file>',
      'metric filters as `aws logs describe-metric-filters` prints them (with --alarms)',
    )
    .option('--alarms <file>', 'alarms as `aws cloudwatch describe-alarms` prints them')
    .option('--since <time>', 'detect from this time (ISO 8601; default: the whole lake)')
    .option('--until <time>', 'detect up to this time (ISO 8601)')
    .addOption(
      new Option('--learning-days <n>', 'days before the window that anomalies are judged against')
        .argParser(positiveInt)
        .default(DEFAULT_LEARNING_DAYS),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(FINDING_FORMATS).default('table'),
    )
    .option('--out <file>', 'write the findings to a file')
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit with status 3 when a finding is at or above this severity (for CI gates)',
      ).choices(SEVERITIES),
    )
    .action(async (flags: DetectFlags) => {
      const { detectCommand } = await import('./commands/detect.js');
      setExit(await detectCommand(flags));
    });

  program
    .command('investigate')
    .description(
      'everything the lake knows around an entity (role, session, user, access key, IP, bucket, model, account): profile, what is new against a baseline, role chains, resources, findings, timeline',
    )
    .argument(
      '<entity>',
      'an ARN, access key ID, IP address, bucket name, model ID, account ID or user name',
    )
    .addOption(lakeOption())
    .addOption(
      new Option('--kind <kind>', 'what the entity is, when the text alone is ambiguous').choices(
        ENTITY_KINDS,
      ),
    )
    .option('--since <time>', 'scope start, a day or ISO time (default: 24 hours before --until)')
    .option('--until <time>', 'scope end (default: the last event in the lake)')
    .addOption(
      new Option('--baseline-days <n>', 'days before the scope that "new" is judged against')
        .argParser(positiveInt)
        .default(DEFAULT_BASELINE_DAYS),
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'html'])
        .default('table'),
    )
    .option('--out <file>', 'write to a file (required for html)')
    .addOption(
      new Option('--page <n>', 'timeline page of the table form').argParser(positiveInt).default(1),
    )
    .option('--no-findings', 'leave out the findings panel')
    .addOption(
      new Option(
        '--detect',
        'when no saved ctlake detect run covers the scope, run every pack over the scope for the findings panel (that run is then the saved one)',
      ).conflicts('findings'),
    )
    .action(async (entity: string, flags: InvestigateFlags) => {
      const { investigateCommand } = await import('./commands/investigate.js');
      setExit(await investigateCommand(entity, flags));
    });

  program
    .command('report')
    .description(
      'an audit report of the lake for a time range: one self-contained HTML file (or Markdown, JSON) with provenance, integrity, GenAI activity, findings, alarm timelines, investigations and every query it ran',
    )
    .addOption(lakeOption())
    .option('--since <time>', 'range start, a day or ISO time (default: the first day of the lake)')
    .option(
      '--until <time>',
      'range end, exclusive; a day means its whole day (default: the end of the last day)',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['html', 'md', 'json'])
        .default('html'),
    )
    .option(
      '--out <file>',
      'where to write it, - for stdout (default: report.html, report.md or report.json)',
    )
    .option('--title <text>', "the report's title")
    .action(async (flags: ReportFlags) => {
      const { reportCommand } = await import('./commands/report.js');
      setExit(await reportCommand(flags));
    });

  const verify = program
    .command('verify')
    .description(
      "check an archive against CloudTrail's signed digests (offline; every missing digest and uncovered log file named), and/or a lake against its catalog",
    )
    .argument(
      '[source...]',
      'archive directories or s3:// prefixes (with their CloudTrail-Digest folders)',
    )
    .option(
      '--public-keys <file>',
      'the JSON of `aws cloudtrail list-public-keys`, saved while online (repeatable: one per region)',
      collect,
    )
    .option('--lake <dir>', "check this lake, and record the archive's verdicts in it")
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .option('--out <file>', 'write the result to a file');
  withOptions(verify, [...selectionOptions('check'), ...s3Options()]).action(
    async (sources: string[], flags: VerifyFlags) => {
      const { verifyCommand } = await import('./commands/verify.js');
      setExit(await verifyCommand(sources, flags));
    },
  );

  const download = program
    .command('download')
    .description(
      "mirror a trail's archive from S3 to disk, with each digest's signature saved beside it (for ctlake verify)",
    )
    .argument('<source>', 's3://bucket[/prefix]')
    .requiredOption('--out <dir>', 'directory that receives the keys');
  withOptions(download, [...selectionOptions('download'), ...s3Options()]).action(
    async (source: string, flags: DownloadFlags) => {
      const { downloadCommand } = await import('./commands/download.js');
      setExit(await downloadCommand(source, flags));
    },
  );

  program
    .command('ddl')
    .description(
      `print the DDL that exposes the lake (or its copy on S3) to Athena, Trino, Spark or DuckDB as the ${EVENT_TABLE_NAME} table, the name Lake queries use`,
    )
    .addOption(
      new Option('--engine <engine>', 'the engine').choices(LAKE_ENGINES).makeOptionMandatory(),
    )
    .option(
      '--location <uri>',
      "where the engine reads the lake's copy: the folder holding its events/, e.g. s3://bucket/prefix (default: the local --lake; required for athena)",
    )
    .option(
      '--table <name>',
      `the table (or view) name, e.g. audit.${EVENT_TABLE_NAME} (default: ${EVENT_TABLE_NAME})`,
    )
    .addOption(lakeOption())
    .action(async (flags: DdlFlags) => {
      const { ddlCommand } = await import('./commands/ddl.js');
      setExit(ddlCommand(flags));
    });

  program
    .command('merge')
    .description(
      'merge lakes built apart (the shards of ingest --shard i/n) into the --lake one, without reading an event again; the merged lakes are left as they were',
    )
    .argument('<lakes...>', 'the lake directories to merge in')
    .addOption(
      new Option(
        '--lake <dir>',
        'the lake they are merged into (created when absent)',
      ).makeOptionMandatory(),
    )
    .action(async (sources: string[], flags: { lake: string }) => {
      const { mergeCommand } = await import('./commands/merge.js');
      setExit(await mergeCommand(sources, flags));
    });

  const pushCmd = program
    .command('push')
    .description(
      "upload the lake's live parts and a manifest to S3, for Athena/Trino/Spark to query in place (see ctlake ddl); resumable, uploads only what is not there yet, and deletes what under <prefix>/events/ is no longer in the lake",
    )
    .argument('<destination>', 's3://bucket[/prefix]: the folder that will hold events/')
    .addOption(lakeOption())
    .addOption(
      new Option('--concurrency <n>', 'parts uploaded at once').argParser(positiveInt).default(4),
    );
  withOptions(pushCmd, s3Options()).action(async (destination: string, flags: PushFlags) => {
    const { pushCommand } = await import('./commands/push.js');
    setExit(await pushCommand(destination, flags));
  });

  program
    .command('queries')
    .description('list the named queries (run one with ctlake query --name NAME)')
    .action(async () => {
      const { queriesCommand } = await import('./commands/query.js');
      setExit(queriesCommand());
    });

  return program;
}

/** Runs the command line `argv` (as process.argv) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
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

/**
 * The process around `main`: a reader that stops early (`ctlake query … | head`) is not an error,
 * and a write error on stdout is one line. Called by `bin/ctlake.js` only.
 */
export async function run(argv: readonly string[]): Promise<number> {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    say(`cannot write the output: ${error.code ?? error.message}`);
    process.exit(EXIT_INPUT_FAILED);
  });
  return main(argv);
}
