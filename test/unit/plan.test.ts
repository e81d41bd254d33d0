import { describe, expect, it } from 'vitest';
import {
  batchLimitsFor,
  batchObjects,
  DEFAULT_BATCH_LIMITS,
  planIngest,
} from '../../src/ingest/plan.js';
import type { TrailObject } from '../../src/source/trail-object.js';
import type { TrailObjectKind } from '../../src/source/trail-key.js';

function object(
  uri: string,
  version = 'v1',
  kind: TrailObjectKind = 'log',
  size = 10,
): TrailObject {
  return { uri, location: { kind: 'file', path: uri }, size, version, key: { kind } };
}

describe('planIngest', () => {
  it('reads new and changed objects, skips unchanged ones and digests, once each', () => {
    const known = new Map([
      ['/a', { version: 'v1', events: 3 }],
      ['/b', { version: 'v1', events: 3 }],
    ]);
    const plan = planIngest(
      [object('/c'), object('/a'), object('/b', 'v2'), object('/d', 'v1', 'digest'), object('/c')],
      known,
    );
    expect(plan.todo.map((o) => o.uri)).toEqual(['/b', '/c']);
    expect(plan.changed.map((o) => o.uri)).toEqual(['/b']);
    expect(plan.unchanged).toBe(1);
    expect(plan.digests).toBe(1);
  });
});

describe('batchObjects', () => {
  it('cuts batches by bytes and count, keeping order; an oversized object goes alone', () => {
    const sizes = [3, 3, 3, 20, 1, 1, 1, 1];
    const batches = batchObjects(
      sizes.map((size, i) => ({ size, i })),
      { maxBytes: 7, maxObjects: 3, maxDays: 99 },
    );
    expect(batches.map((b) => b.map((o) => o.i))).toEqual([[0, 1], [2], [3], [4, 5, 6], [7]]);
  });

  it('cuts a batch at a new day once it holds maxDays delivery days', () => {
    const days = ['01', '01', '02', '03', '03', undefined, '04', '02'];
    const batches = batchObjects(
      days.map((d, i) => ({ size: 1, i, key: d === undefined ? {} : { day: `2026-11-${d}` } })),
      { maxBytes: 100, maxObjects: 100, maxDays: 2 },
    );
    // A keyless object (no day) joins the current batch; a day already in it never cuts.
    expect(batches.map((b) => b.map((o) => o.i))).toEqual([[0, 1, 2], [3, 4, 5, 6], [7]]);
  });

  it('sizes batches so that every worker gets the same share of a mid-size archive', () => {
    const MB = 1024 * 1024;
    // 160 objects of 0.5 MB (a busy account's 80 MB): a fixed 16 MB cut gives 5 full tasks and
    // a small sixth; two workers then share 6 even tasks of ~13.3 MB.
    const objects = Array.from({ length: 160 }, (_, i) => ({ size: MB / 2, i }));
    const fixed = batchObjects(objects);
    expect(fixed.map((b) => b.length)).toEqual([32, 32, 32, 32, 32]);
    const limits = batchLimitsFor(80 * MB, 2);
    expect(limits.maxBytes).toBe(DEFAULT_BATCH_LIMITS.maxBytes);
    const even = batchObjects(objects, limits);
    expect(even.length).toBe(6);
    const sizes = even.map((b) => b.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(even.flat().map((o) => o.i)).toEqual(objects.map((o) => o.i));
  });

  it('gives each worker a task of a small archive, and never cuts below 1 MB', () => {
    const MB = 1024 * 1024;
    const objects = Array.from({ length: 10 }, (_, i) => ({ size: MB, i }));
    expect(batchObjects(objects).length).toBe(1);
    expect(batchObjects(objects, batchLimitsFor(10 * MB, 2)).map((b) => b.length)).toEqual([5, 5]);
    expect(batchLimitsFor(3 * MB, 8).targetBytes).toBe(MB);
    // The cap still holds on a huge archive.
    expect(batchLimitsFor(10_000 * MB, 2).targetBytes).toBeLessThanOrEqual(16 * MB);
  });

  it('returns no batch for no objects', () => {
    expect(batchObjects([])).toEqual([]);
  });
});
