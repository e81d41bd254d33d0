import { describe, expect, it } from 'vitest';
import { foldBatchDay } from '../../src/ingest/batch-day.js';
import { scanRecords } from '../../src/ingest/record-scanner.js';

function fold(records: readonly object[], start?: string | null): string | null | undefined {
  const doc = Buffer.from(JSON.stringify({ Records: records }));
  return foldBatchDay(start, doc, scanRecords(doc));
}

const at = (eventTime: string): object => ({ eventVersion: '1.11', eventTime, eventName: 'X' });

describe('foldBatchDay', () => {
  it('names the one UTC day of all records, with or without fractions', () => {
    expect(fold([at('2026-11-19T00:00:00Z'), at('2026-11-19T23:59:59.123456Z')])).toBe(
      '2026-11-19',
    );
  });

  it('carries the day across objects and gives up on another day', () => {
    expect(fold([at('2026-11-19T10:00:00Z')], '2026-11-19')).toBe('2026-11-19');
    expect(fold([at('2026-11-20T00:00:00Z')], '2026-11-19')).toBeNull();
    expect(fold([at('2026-11-19T10:00:00Z')], null)).toBeNull();
  });

  it.each([
    ['an offset', at('2026-11-19T23:30:00+05:00')],
    ['another text form', at('2025-01-21 17:39:10.000000000')],
    ['no eventTime', { eventName: 'X' }],
    ['a non-string eventTime', { eventTime: 1763546400 }],
  ])('gives no day for %s (DuckDB decides the partition)', (_name, record) => {
    expect(fold([at('2026-11-19T10:00:00Z'), record])).toBeNull();
  });

  it('reads no further than the record: a later record does not lend its eventTime', () => {
    expect(fold([{ eventName: 'X' }, at('2026-11-19T10:00:00Z')])).toBeNull();
  });
});
