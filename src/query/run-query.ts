/**
 * Runs one query on a lake: translate the Lake dialect, refuse anything but a single SELECT
 * (sandbox.ts), bind the parameters, run it within its limits, and either stream the rows out in
 * a format (`runQuery`, the CLI) or hand them back as JSON values (`query`, the library).
 */
import { writeOutFile } from './out-stream.js';
import path from 'node:path';
import type { Writable } from 'node:stream';
import {
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
  VARCHAR,
} from '@duckdb/node-api';
import { CtlakeError, QueryError, UsageError, firstLine } from '../errors.js';
import { translateQuery } from './dialect/translate.js';
import { type OutputFormat, type ResultStream, rowObject, writeResult } from './formats.js';
import { type JsonValue, jsonValueConverter } from './json-value.js';
import { isDuckDBError } from '../duckdb/errors.js';
import { quotedString } from '../duckdb/sql-text.js';
import { DEFAULT_LAKE_DIR, DEFAULT_QUERY_TIMEOUT_SECONDS, type QueryLimits } from '../defaults.js';
import { LakeDatabase } from './lake-database.js';
import { type NamedQuery, namedQueryValues } from './named-queries.js';

export type QuerySource =
  | { readonly kind: 'text'; readonly sql: string }
  | { readonly kind: 'named'; readonly query: NamedQuery };

/** What every query takes: where, what, its parameters and its limits. */
export interface QueryBase {
  /** The lake directory (default `ctlake-lake`). */
  readonly lakeDir?: string;
  readonly source: QuerySource;
  /** Values of the query's `${name}` parameters; bound by DuckDB, never spliced into the SQL. */
  readonly params?: Readonly<Record<string, string>>;
  /** Memory and spill space of the session (DEFAULT_QUERY_LIMITS). */
  readonly limits?: QueryLimits;
  /** The query is stopped after this many seconds (default 300); 0 for no limit. */
  readonly timeoutSeconds?: number;
  /** Aborting stops the query (Ctrl-C); its temp files and lease are removed. */
  readonly signal?: AbortSignal;
}

export interface QueryRequest extends QueryBase {
  readonly format: OutputFormat;
  /** Write the result to this file instead of stdout (required for parquet and arrow). */
  readonly outFile?: string;
  /** CSV only: prefix values a spreadsheet would run as formulas with `'` (formats.ts). */
  readonly csvSafe?: boolean;
}

/**
 * Interrupts the session's query when the timeout passes or the signal aborts, and says which
 * stopped it, so the error can name the cause instead of DuckDB's "Interrupted!".
 */
function watchQuery(
  db: LakeDatabase,
  timeoutSeconds: number,
  signal?: AbortSignal,
): { stopped: () => 'timeout' | 'signal' | undefined; dispose: () => void } {
  let stopped: 'timeout' | 'signal' | undefined;
  const stop = (why: 'timeout' | 'signal'): void => {
    stopped ??= why;
    db.connection.interrupt();
  };
  const timer =
    timeoutSeconds > 0
      ? setTimeout(() => {
          stop('timeout');
        }, timeoutSeconds * 1000)
      : undefined;
  const onAbort = (): void => {
    stop('signal');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return {
    stopped: () => stopped,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

interface Bound {
  readonly values: Record<string, DuckDBValue>;
  readonly types: Record<string, DuckDBType>;
}

/** Ad-hoc queries: every `${name}` needs a --param, bound as text (DuckDB casts it in place). */
export function bindTextParameters(
  needed: readonly string[],
  given: Readonly<Record<string, string>>,
): Bound {
  const missing = needed.filter((name) => !(name in given));
  if (missing.length > 0) {
    throw new UsageError(`the query needs ${missing.map((m) => `--param ${m}=<value>`).join(' ')}`);
  }
  const unknown = Object.keys(given).filter((name) => !needed.includes(name));
  if (unknown.length > 0) throw new UsageError(`the query has no parameter ${unknown.join(', ')}`);
  return {
    values: Object.fromEntries(needed.map((name) => [name, given[name] ?? null])),
    types: Object.fromEntries(needed.map((name) => [name, VARCHAR])),
  };
}

function bindNamedParameters(
  query: NamedQuery,
  used: readonly string[],
  given: Readonly<Record<string, string>>,
): Bound {
  const undeclared = used.filter((name) => !query.parameters.some((p) => p.name === name));
  if (undeclared.length > 0) {
    throw new QueryError(
      'QUERY_FAILED',
      `${query.file} uses \${${undeclared.join('}, ${')}} but its header does not declare it`,
    );
  }
  const all = namedQueryValues(query, given);
  const pick = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(used.map((name) => [name, record[name] as T]));
  return { values: pick(all.values), types: pick(all.types) };
}

export async function runQuery(request: QueryRequest, stdout: Writable): Promise<number> {
  const format = request.format;
  const outFile = request.outFile === undefined ? undefined : path.resolve(request.outFile);
  if ((format === 'parquet' || format === 'arrow') && outFile === undefined) {
    throw new UsageError(`--format ${format} writes binary data: give --out FILE`);
  }
  // DuckDB writes a Parquet file itself; every other result streams out through ctlake.
  if (outFile === undefined || format === 'parquet') return queryInto(request, stdout, outFile);
  return writeOutFile(outFile, (out) => queryInto(request, out, outFile));
}

/** The query of a session, translated, with its parameters bound to each statement made. */
interface SessionQuery {
  readonly sql: string;
  prepare(sql: string): Promise<DuckDBPreparedStatement>;
}

function failed(error: unknown): never {
  throw new QueryError('QUERY_FAILED', firstLine(error), { cause: error });
}

/**
 * Opens a session on the lake, translates and checks the query, and runs `work` on it under the
 * timeout and the signal; what stopped a query is named in the error it ends with.
 */
async function inSession<T>(
  request: QueryBase,
  writableFile: string | undefined,
  work: (query: SessionQuery) => Promise<T>,
): Promise<T> {
  const db = await LakeDatabase.open(
    request.lakeDir ?? DEFAULT_LAKE_DIR,
    writableFile,
    request.limits,
  );
  const timeoutSeconds = request.timeoutSeconds ?? DEFAULT_QUERY_TIMEOUT_SECONDS;
  const watch = watchQuery(db, timeoutSeconds, request.signal);
  try {
    const source = request.source;
    const translated = await translateQuery(
      db.connection,
      source.kind === 'text' ? source.sql : source.query.sql,
    );
    const params = request.params ?? {};
    const bound =
      source.kind === 'text'
        ? bindTextParameters(translated.parameters, params)
        : bindNamedParameters(source.query, translated.parameters, params);
    return await work({
      sql: translated.sql,
      // One prepared statement: DuckDB refuses to prepare more than one, whatever the text holds.
      prepare: async (sql) => {
        const statement = await db.connection.prepare(sql).catch(failed);
        statement.bind(bound.values, bound.types);
        return statement;
      },
    });
  } catch (error) {
    stoppedBecause(watch.stopped(), timeoutSeconds, error);
  } finally {
    watch.dispose();
    db.close();
  }
}

/** Rethrows a query's error as what stopped it: the timeout, the signal, or DuckDB. */
function stoppedBecause(
  stopped: 'timeout' | 'signal' | undefined,
  timeoutSeconds: number,
  error: unknown,
): never {
  if (stopped === 'timeout') {
    throw new QueryError(
      'QUERY_FAILED',
      `the query was stopped after ${String(timeoutSeconds)} s (--timeout; 0 for no limit)`,
      { cause: error },
    );
  }
  if (stopped === 'signal') {
    throw new CtlakeError('INTERRUPTED', 'interrupted; the query was stopped', { cause: error });
  }
  // DuckDB's errors while the rows stream out (a value that fails to convert mid-way).
  if (!(error instanceof CtlakeError) && isDuckDBError(error)) failed(error);
  throw error;
}

/** Runs one query of a session with bound text parameters; its rows as JSON values. */
export type SessionRunner = (
  sql: string,
  params?: Readonly<Record<string, string>>,
) => Promise<readonly Record<string, JsonValue>[]>;

/** Like SessionRunner, with the result's column names (which an empty result still has). */
export type SessionTableRunner = (
  sql: string,
  params?: Readonly<Record<string, string>>,
) => Promise<QueryResult>;

/** Like SessionRunner, for results too large to hold: the rows chunk by chunk as they come. */
export type SessionStreamRunner = (
  sql: string,
  params?: Readonly<Record<string, string>>,
) => Promise<ResultStream>;

/**
 * Several queries on one view of the lake (one set of parts, opened once): each translated,
 * checked by the sandbox and bound like `query`'s, with no time limit, stopped by `signal`.
 * For commands that ask the lake many questions about the same data (detect, report).
 */
export async function querySession<T>(
  options: {
    readonly lakeDir?: string;
    readonly limits?: QueryLimits;
    readonly signal?: AbortSignal;
  },
  work: (
    run: SessionRunner,
    runTable: SessionTableRunner,
    stream: SessionStreamRunner,
  ) => Promise<T>,
): Promise<T> {
  const db = await LakeDatabase.open(
    options.lakeDir ?? DEFAULT_LAKE_DIR,
    undefined,
    options.limits,
  );
  const watch = watchQuery(db, 0, options.signal);
  try {
    const prepare = async (
      sql: string,
      params: Readonly<Record<string, string>>,
    ): Promise<DuckDBPreparedStatement> => {
      const translated = await translateQuery(db.connection, sql);
      const bound = bindTextParameters(translated.parameters, params);
      const statement = await db.connection.prepare(translated.sql).catch(failed);
      statement.bind(bound.values, bound.types);
      return statement;
    };
    const runTable: SessionTableRunner = async (sql, params = {}) => {
      const reader = await (await prepare(sql, params)).runAndReadAll().catch(failed);
      const columns = reader.columnNames();
      return {
        columns,
        rows: reader.convertRows(jsonValueConverter).map((row) => rowObject(columns, row)),
      };
    };
    const stream: SessionStreamRunner = async (sql, params = {}) => {
      const result = await (await prepare(sql, params)).stream().catch(failed);
      return {
        columns: result.columnNames(),
        chunks: result.yieldConvertedRows(jsonValueConverter),
      };
    };
    return await work(async (sql, params) => (await runTable(sql, params)).rows, runTable, stream);
  } catch (error) {
    stoppedBecause(watch.stopped(), 0, error);
  } finally {
    watch.dispose();
    db.close();
  }
}

async function queryInto(
  request: QueryRequest,
  out: Writable,
  outFile: string | undefined,
): Promise<number> {
  const format = request.format;
  return inSession(request, format === 'parquet' ? outFile : undefined, async (query) => {
    if (format === 'parquet') {
      // DuckDB writes the Parquet itself; the session may write this one file and nothing else.
      // The query was checked as one complete SELECT; the line break keeps a trailing comment
      // from reaching the rest of the COPY.
      const copy = `COPY (${query.sql}\n) TO ${quotedString(outFile ?? '')} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`;
      const reader = await (await query.prepare(copy)).runAndReadAll().catch(failed);
      return Number(reader.getRowsJS()[0]?.[0] ?? 0);
    }
    const result = await (await query.prepare(query.sql)).stream().catch(failed);
    if (format === 'arrow') {
      // apache-arrow costs ~140 ms to load: only an Arrow result pays for it.
      const { writeArrowStream } = await import('./arrow-output.js');
      return await writeArrowStream(
        result.columnNames(),
        result.columnTypes(),
        result.yieldRows(),
        out,
      );
    }
    const rows = await writeResult(
      format,
      { columns: result.columnNames(), chunks: result.yieldConvertedRows(jsonValueConverter) },
      out,
      { csvSafe: request.csvSafe ?? false },
    );
    return rows;
  });
}

/** A query's result as plain values: timestamps as ISO-8601 UTC text, nested values as JSON. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, JsonValue>[];
}

/**
 * Runs one CloudTrail Lake query on the lake and returns its rows (the library's `query`; for
 * results too large to hold, `runQuery` streams them out in a format instead).
 */
export async function query(request: QueryBase): Promise<QueryResult> {
  return inSession(request, undefined, async (session) => {
    const reader = await (await session.prepare(session.sql)).runAndReadAll().catch(failed);
    const columns = reader.columnNames();
    return {
      columns,
      rows: reader.convertRows(jsonValueConverter).map((row) => rowObject(columns, row)),
    };
  });
}
