/**
 * Runs one SQL text on a lake and writes its result.
 */
import type { Writable } from 'node:stream';
import { QueryError, firstLine } from '../errors.js';
import { type OutputFormat, writeResult } from './formats.js';
import { LakeDatabase } from './lake-database.js';

export interface QueryRequest {
  readonly lakeDir: string;
  readonly sql: string;
  readonly format: OutputFormat;
}

export async function runQuery(request: QueryRequest, out: Writable): Promise<number> {
  const db = await LakeDatabase.open(request.lakeDir);
  try {
    let result;
    try {
      result = await db.connection.stream(request.sql);
    } catch (error) {
      throw new QueryError('QUERY_FAILED', firstLine(error), { cause: error });
    }
    return await writeResult(
      request.format,
      { columns: result.columnNames(), chunks: result.yieldRows() },
      out,
    );
  } finally {
    db.close();
  }
}
