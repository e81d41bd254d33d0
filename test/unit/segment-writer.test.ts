/**
 * The segment writer on real scratch files and a real DuckDB: bad records cost only their own
 * object, including a failure DuckDB cannot pin on any object (found by writing halves).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ScratchFile, DEFAULT_SCRATCH_LIMITS } from '../../src/ingest/scratch-file.js';
import type { BatchDay } from '../../src/ingest/batch-day.js';
import {
  type ByteRange,
  type Outcomes,
  type Segment,
  writeSegment,
} from '../../src/ingest/segment-writer.js';
import type { IngestTask } from '../../src/ingest/task.js';
import { tempDir } from '../util/temp-dir.js';

const OBJECTS = 8;
const RECORDS_PER_OBJECT = 5;

function record(object: number, i: number, userAgent = 'aws-cli/2'): Buffer {
  return Buffer.from(
    JSON.stringify({
      eventVersion: '1.09',
      eventTime: '2024-05-09T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventID: `o${String(object)}-r${String(i)}`,
      userAgent,
    }),
  );
}

/** A task of OBJECTS objects whose scratch file holds their records; `damage` edits one record. */
function setUp(damage?: (object: number, i: number, text: Buffer) => Buffer): {
  task: IngestTask;
  segment: (day: BatchDay) => Segment;
  outcomes: Outcomes;
} {
  const dir = tempDir('segment');
  const scratchDir = path.join(dir, 'scratch');
  mkdirSync(scratchDir);
  const file = path.join(scratchDir, 'records.scratch');
  const scratch = new ScratchFile(file);
  const outcomes: Outcomes = new Map();
  const ranges = new Map<number, ByteRange>();
  for (let object = 0; object < OBJECTS; object++) {
    const texts = Array.from({ length: RECORDS_PER_OBJECT }, (_, i) => {
      const text = record(object, i);
      return damage?.(object, i, text) ?? text;
    });
    const doc = Buffer.concat(texts);
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 0;
    for (const text of texts) {
      starts.push(at);
      at += text.length;
      ends.push(at);
    }
    // Written as the scanner would hand them over, without its checks: this is what DuckDB sees.
    const start = scratch.bytes;
    scratch.append(object, doc, { starts, ends });
    ranges.set(object, { start, end: scratch.bytes });
    outcomes.set(object, { index: object, events: RECORDS_PER_OBJECT, decodedBytes: doc.length });
  }
  scratch.close();
  const task: IngestTask = {
    taskId: 0,
    objects: Array.from({ length: OBJECTS }, (_, index) => ({
      index,
      uri: `/archive/object-${String(index)}.json.gz`,
      location: { kind: 'file', path: `/archive/object-${String(index)}.json.gz` },
      size: 1,
    })),
    stagingDir: path.join(dir, 'staging'),
    scratchDir,
    abortFlag: new SharedArrayBuffer(4),
    memoryLimit: '256MB',
    partPrefix: 'part-r1-t0',
    scratchLimits: DEFAULT_SCRATCH_LIMITS,
  };
  return {
    task,
    segment: (day) => ({ file, label: 's0', day, placeholders: false, objects: ranges }),
    outcomes,
  };
}

async function eventIdsIn(files: readonly string[]): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = `[${files.map((f) => `'${f}'`).join(', ')}]`;
    const reader = await connection.runAndReadAll(
      `SELECT "eventID" FROM read_parquet(${list}) ORDER BY 1`,
    );
    return reader.getRowsJS().map(([id]) => id as string);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function expectedIds(except: number): string[] {
  return Array.from({ length: OBJECTS }, (_, o) => o)
    .filter((o) => o !== except)
    .flatMap((o) => Array.from({ length: RECORDS_PER_OBJECT }, (_, i) => `o${o}-r${i}`))
    .sort();
}

describe('writeSegment', () => {
  it('writes every object of a sound segment in one part', async () => {
    const { task, segment, outcomes } = setUp();
    const parts = await writeSegment(
      task,
      new Int32Array(task.abortFlag),
      segment('2024-05-09'),
      outcomes,
    );
    expect(parts.map((p) => p.lakePath)).toEqual(['event_date=2024-05-09/part-r1-t0-s0-0.parquet']);
    expect(await eventIdsIn(parts.map((p) => p.stagedPath))).toEqual(expectedIds(-1));
    expect([...outcomes.values()].every((o) => o.error === undefined)).toBe(true);
  });

  it('refuses only the object DuckDB rejects as invalid JSON', async () => {
    const { task, segment, outcomes } = setUp((object, i, text) =>
      object === 3 && i === 2
        ? Buffer.from(text.toString().replace('"eventName"', 'eventName'))
        : text,
    );
    const parts = await writeSegment(
      task,
      new Int32Array(task.abortFlag),
      segment(undefined),
      outcomes,
    );
    expect(outcomes.get(3)?.error).toMatch(/^record 2 is not valid JSON \(/);
    expect(await eventIdsIn(parts.map((p) => p.stagedPath))).toEqual(expectedIds(3));
  });

  it('isolates an object whose bytes break DuckDB itself (an internal error that names no object) by writing halves', async () => {
    // Invalid UTF-8 in the scratch file makes DuckDB's CSV reader fail with an internal error
    // that invalidates the database: no query on it can find the culprit.
    const { task, segment, outcomes } = setUp((object, i, text) => {
      if (object !== 5 || i !== 1) return text;
      const at = text.indexOf('aws-cli');
      const bad = Buffer.from(text);
      bad[at] = 0xff;
      bad[at + 1] = 0xfe;
      return bad;
    });
    const parts = await writeSegment(
      task,
      new Int32Array(task.abortFlag),
      segment('2024-05-09'),
      outcomes,
    );
    expect(outcomes.get(5)?.error).toMatch(/^DuckDB cannot read it: /);
    expect([...outcomes.values()].filter((o) => o.error !== undefined)).toHaveLength(1);
    expect(await eventIdsIn(parts.map((p) => p.stagedPath))).toEqual(expectedIds(5));
    // The halves that held object 5 were written on their own databases.
    expect(parts.some((p) => p.lakePath.includes('-s0a'))).toBe(true);
  });
});
