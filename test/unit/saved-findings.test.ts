import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  partSetFingerprint,
  saveFindings,
  savedFindingsFor,
} from '../../src/detect/saved-findings.js';
import type { Finding } from '../../src/detect/finding.js';

function lakeWith(parts: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ctlake-saved-'));
  writeFileSync(
    path.join(dir, 'parts.json'),
    JSON.stringify({ format: 'ctlake-part-set/1', parts }),
  );
  return dir;
}

describe('saved findings', () => {
  const evidence = (eventID: string | null, sourceObject: string, recordIndex: number) => ({
    eventID,
    eventTime: eventID === null ? null : '2026-01-01T00:00:01Z',
    sourceObject,
    recordIndex,
  });
  // Evidence is stored as rows with each object listed once: it reads back as it was.
  const finding = {
    rule: 'r',
    title: 't',
    events: [
      evidence('a', 's3://b/AWSLogs/1.json.gz', 0),
      evidence(null, 's3://b/AWSLogs/2.json.gz', 3),
      evidence('c', 's3://b/AWSLogs/1.json.gz', 5),
    ],
  } as unknown as Finding;
  const day = (d: string): number => Date.parse(`${d}T00:00:00Z`);

  it('are used while the lake holds the same parts and the window covers the scope', async () => {
    const lake = lakeWith(['event_date=2026-01-01/a.parquet']);
    await saveFindings(lake, {
      partSet: partSetFingerprint(lake),
      since: '2026-01-01T00:00:00Z',
      until: '2026-01-05T00:00:00Z',
      learningDays: 14,
      findings: [finding, { ...finding, rule: 'none', events: [] }],
    });
    expect(savedFindingsFor(lake, day('2026-01-02'), day('2026-01-03'), 14)).toEqual([
      finding,
      { ...finding, rule: 'none', events: [] },
    ]);
    expect(savedFindingsFor(lake, day('2025-12-31'), day('2026-01-03'), 14)).toBeUndefined();
    expect(savedFindingsFor(lake, day('2026-01-02'), day('2026-01-06'), 14)).toBeUndefined();
    expect(savedFindingsFor(lake, day('2026-01-02'), day('2026-01-03'), 7)).toBeUndefined();
    writeFileSync(
      path.join(lake, 'parts.json'),
      JSON.stringify({
        format: 'ctlake-part-set/1',
        parts: ['event_date=2026-01-01/a.parquet', 'event_date=2026-01-02/b.parquet'],
      }),
    );
    expect(savedFindingsFor(lake, day('2026-01-02'), day('2026-01-03'), 14)).toBeUndefined();
  });
});
