/** `ctlake query` and `ctlake queries`: flags → runQuery() → the result on stdout. */
import { readFile } from 'node:fs/promises';
import { DEFAULT_QUERY_LIMITS, type OutputFormat } from '../../defaults.js';
import { UsageError, errnoReason } from '../../errors.js';
import { findNamedQuery, loadNamedQueries } from '../../query/named-queries.js';
import { type QuerySource, runQuery } from '../../query/run-query.js';
import { EXIT_OK, onInterrupt } from '../terminal.js';

export interface QueryFlags {
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

async function querySource(sqlArg: string | undefined, flags: QueryFlags): Promise<QuerySource> {
  const given = [sqlArg, flags.file, flags.name].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new UsageError('give the query as SQL text, with --file, or with --name (exactly one)');
  if (flags.name !== undefined) return { kind: 'named', query: findNamedQuery(flags.name) };
  if (flags.file !== undefined) {
    const file = flags.file;
    const sql = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new UsageError(`cannot read --file ${file}: ${errnoReason(error)}`, { cause: error });
    });
    return { kind: 'text', sql };
  }
  return { kind: 'text', sql: sqlArg ?? '' };
}

export async function queryCommand(sqlArg: string | undefined, flags: QueryFlags): Promise<number> {
  const source = await querySource(sqlArg, flags);
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

export function queriesCommand(): number {
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
