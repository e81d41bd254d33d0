/**
 * Runs one query on a lake and writes its result: translate the Lake dialect, refuse anything
 * but a single SELECT, bind the parameters, stream the rows out.
 */
import type { Writable } from 'node:stream';
import type { DuckDBValue } from '@duckdb/node-api';
import { QueryError, UsageError, firstLine } from '../errors.js';
import { translateQuery } from './dialect/translate.js';
import { type OutputFormat, writeResult } from './formats.js';
import { LakeDatabase } from './lake-database.js';

export interface QueryRequest {
  readonly lakeDir: string;
  readonly sql: string;
  readonly format: OutputFormat;
  /** Values for the query's `${name}` parameters; bound, never spliced into the SQL. */
  readonly params?: Readonly<Record<string, DuckDBValue>>;
}

export function bindParameters(
  needed: readonly string[],
  given: Readonly<Record<string, DuckDBValue>>,
): Record<string, DuckDBValue> {
  const missing = needed.filter((name) => !(name in given));
  if (missing.length > 0) {
    throw new UsageError(`the query needs ${missing.map((m) => `--param ${m}=<value>`).join(' ')}`);
  }
  const unknown = Object.keys(given).filter((name) => !needed.includes(name));
  if (unknown.length > 0) throw new UsageError(`the query has no parameter ${unknown.join(', ')}`);
  return Object.fromEntries(needed.map((name) => [name, given[name] ?? null]));
}

export async function runQuery(request: QueryRequest, out: Writable): Promise<number> {
  const db = await LakeDatabase.open(request.lakeDir);
  try {
    const translated = await translateQuery(db.connection, request.sql);
    const values = bindParameters(translated.parameters, request.params ?? {});
    let result;
    try {
      result = await db.connection.stream(translated.sql, values);
    } catch (error) {
      throw new QueryError('QUERY_FAILED', firstLine(error), { cause: error });
    }
    return await writeResult(request.format, { columns: result.columnNames(), chunks: result.yieldRows() }, out);
  } finally {
    db.close();
  }
}
