import { describe, expect, it } from 'vitest';
import { batchObjects, planIngest } from '../../src/ingest/plan.js';
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

  it('returns no batch for no objects', () => {
    expect(batchObjects([])).toEqual([]);
  });
});
