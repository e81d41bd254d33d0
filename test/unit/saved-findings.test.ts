import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lakeLayout } from '../../src/lake/layout.js';
import { restampAfterRewrite } from '../../src/lake/part-stamp.js';
import {
  partSetFingerprint,
  saveFindings,
  savedFindingsFor,
} from '../../src/detect/saved-findings.js';
import type { Finding } from '../../src/detect/finding.js';
import { tempDir } from '../util/temp-dir.js';

function lakeWith(parts: string[]): string {
  const dir = tempDir('saved');
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

  it('are not used when the file is truncated, of another format or shape: detect runs again', async () => {
    const lake = lakeWith(['event_date=2026-01-01/a.parquet']);
    const saved = {
      partSet: partSetFingerprint(lake),
      learningDays: 14,
      findings: [finding],
    };
    await saveFindings(lake, saved);
    const file = path.join(lake, 'findings.json');
    const whole = readFileSync(file, 'utf8');
    const scope = [day('2026-01-02'), day('2026-01-03'), 14] as const;
    expect(savedFindingsFor(lake, ...scope)).toEqual([finding]);
    writeFileSync(file, whole.slice(0, whole.length / 2));
    expect(savedFindingsFor(lake, ...scope)).toBeUndefined();
    // Version 1 (evidence as objects, no `objects` list), as an older ctlake saved it.
    writeFileSync(file, JSON.stringify({ format: 'ctlake-findings/1', ...saved }));
    expect(savedFindingsFor(lake, ...scope)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...JSON.parse(whole), objects: undefined }));
    expect(savedFindingsFor(lake, ...scope)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...JSON.parse(whole), findings: [{ events: 5 }] }));
    expect(savedFindingsFor(lake, ...scope)).toBeUndefined();
  });

  it('carry across a compaction that replaced parts, unless something else changed the lake', async () => {
    const setParts = (lake: string, parts: string[]): void => {
      writeFileSync(
        path.join(lake, 'parts.json'),
        JSON.stringify({ format: 'ctlake-part-set/1', parts }),
      );
    };
    const before = ['event_date=2026-01-01/a.parquet', 'event_date=2026-01-01/b.parquet'];
    const compacted = {
      before,
      retired: before,
      added: ['event_date=2026-01-01/compact-r2.parquet'],
    };
    const scope = [day('2026-01-02'), day('2026-01-03'), 14] as const;
    const restamp = (lake: string): Promise<boolean> =>
      restampAfterRewrite(lakeLayout(lake), lakeLayout(lake).findingsPath, compacted);
    const saved = async (stampedOn: string[]): Promise<string> => {
      const lake = lakeWith(stampedOn);
      await saveFindings(lake, {
        partSet: partSetFingerprint(lake),
        learningDays: 14,
        findings: [finding],
      });
      return lake;
    };

    const lake = await saved(before);
    setParts(lake, compacted.added);
    expect(savedFindingsFor(lake, ...scope)).toBeUndefined();
    expect(await restamp(lake)).toBe(true);
    expect(savedFindingsFor(lake, ...scope)).toEqual([finding]);

    // An ingest committed a part beside the compaction: its rows are in no finding.
    const ingested = await saved(before);
    setParts(ingested, [...compacted.added, 'event_date=2026-01-02/c.parquet']);
    expect(await restamp(ingested)).toBe(false);
    expect(savedFindingsFor(ingested, ...scope)).toBeUndefined();

    // Findings already stale before the compaction stay stale.
    const stale = await saved(['event_date=2026-01-01/a.parquet']);
    setParts(stale, compacted.added);
    expect(await restamp(stale)).toBe(false);
    expect(savedFindingsFor(stale, ...scope)).toBeUndefined();

    // A truncated file, or none: nothing restamped, nothing thrown, the file left as it was.
    const cut = await saved(before);
    const file = lakeLayout(cut).findingsPath;
    const half = readFileSync(file, 'utf8').slice(0, 20);
    writeFileSync(file, half);
    setParts(cut, compacted.added);
    expect(await restamp(cut)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(half);
    expect(await restamp(lakeWith(before))).toBe(false);
  });
});
