/**
 * An independent reading of the same archives a test lake was built from: every record, parsed
 * with JSON.parse straight from the files, so a test can compute the answer a query should give
 * without asking ctlake.
 */
import { readArchiveRecords } from '../../fixtures/generator/archive.js';

export type Rec = Record<string, unknown>;

export function readRecords(root: string): Rec[] {
  return readArchiveRecords(root);
}

/** `record.a.b.c`, or undefined. */
export function at(record: Rec, ...keys: string[]): unknown {
  let value: unknown = record;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Rec)[key];
  }
  return value;
}

/** eventTime as epoch ms, for the forms the corpus carries (NaN when not a time). */
export function eventMs(record: Rec): number {
  const raw = record['eventTime'];
  if (typeof raw !== 'string') return NaN;
  const iso = raw.replace(' ', 'T').replace(/\+0000$/, 'Z');
  return Date.parse(/Z$|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
}
