/**
 * What a DuckDB error is, read from its message: `@duckdb/node-api` throws plain Errors whose
 * first line starts with DuckDB's error type (`Out of Memory Error: …`, `IO Error: …`). Every
 * decision ctlake makes on a DuckDB error is made here, so the message forms are matched once.
 */
import { firstLine } from '../errors.js';

/** `Out of Memory Error: …`: the statement needs more than the session's memory limit. */
export function isOutOfMemory(error: unknown): boolean {
  return firstLine(error).startsWith('Out of Memory Error');
}

/** Another process holds the database file (a second writer on a lake's catalog). */
export function isLockError(error: unknown): boolean {
  return /could not set lock|conflicting lock/i.test(firstLine(error));
}

/** An error raised by DuckDB itself (it names its type first), not by JavaScript. */
export function isDuckDBError(error: unknown): boolean {
  return /^[A-Za-z ]+ Error: /.test(firstLine(error));
}

/** The parser's answer to a statement other than SELECT (json_serialize_sql's error_message). */
export function isNotSelectMessage(message: string): boolean {
  return /only SELECT statements/i.test(message);
}

/** The message without DuckDB's type prefix and the echoed input: the reason alone, for a line. */
export function duckdbReason(error: unknown): string {
  return firstLine(error)
    .replace(/^[A-Za-z ]+ Error: /, '')
    .replace(/\s+Input: .*$/, '');
}

/** DuckDB's "Malformed JSON at byte 14 of input: invalid literal." → "invalid literal at byte 14". */
export function jsonErrorDetail(error: unknown): string {
  const reason = duckdbReason(error);
  const match = /^Malformed JSON at byte (\d+) of input: (.*?)\.?$/.exec(reason);
  return match ? `${match[2] ?? ''} at byte ${match[1] ?? ''}` : reason;
}
