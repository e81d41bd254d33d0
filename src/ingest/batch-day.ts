/**
 * A hint, read from the record text without parsing it, that every event of a batch falls on one
 * UTC day. Most batches do (a trail's files arrive in key order, a few minutes each), and DuckDB
 * writes one file much faster than a day-partitioned COPY, which copies every row into per-day
 * buffers first. The hint only picks the faster statement: that statement checks each row's day
 * as DuckDB parsed it and fails on the first row of another day, and the worker then writes the
 * batch partitioned as usual.
 */
import type { RecordRanges } from './record-scanner.js';

const EVENT_TIME_KEY = Buffer.from('"eventTime":"');
/** `YYYY-MM-DDTHH:MM:SS`, then `Z` or a fraction and `Z`: the UTC form CloudTrail writes. */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z"/;
/** Enough bytes after the key for the longest form above and its closing quote. */
const TIME_TEXT_BYTES = 32;

/** The day of one record's eventTime, when it is written in the plain UTC form; else undefined. */
function recordDay(doc: Buffer, start: number, end: number): string | undefined {
  const at = doc.indexOf(EVENT_TIME_KEY, start);
  if (at < 0 || at >= end) return undefined;
  const from = at + EVENT_TIME_KEY.length;
  const text = doc.toString('latin1', from, Math.min(from + TIME_TEXT_BYTES, end));
  return UTC_TIME.test(text) ? text.slice(0, 10) : undefined;
}

/** The batch's day so far: unknown until a record is seen, then one day, or `null` once mixed. */
export type BatchDay = string | null | undefined;

/** Folds the records of one object into the batch's day. */
export function foldBatchDay(day: BatchDay, doc: Buffer, { starts, ends }: RecordRanges): BatchDay {
  let current = day;
  for (let i = 0; i < starts.length && current !== null; i++) {
    const recordDayText = recordDay(doc, starts[i] ?? 0, ends[i] ?? 0);
    if (recordDayText === undefined || (current !== undefined && recordDayText !== current))
      current = null;
    else current = recordDayText;
  }
  return current;
}
