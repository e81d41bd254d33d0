/**
 * Writes one scratch file's records (a segment of a task) to Lake-schema Parquet parts in the
 * task's staging directory, with one DuckDB statement in the common case.
 *
 * Bad records cost only their own object. After a failed COPY, DuckDB is asked which objects it
 * rejects (invalid JSON, a value it cannot convert); they are refused and the rest is written.
 * When DuckDB fails in a way no query can pin on one object (an internal error invalidates the
 * whole database), the objects are written again in two halves, each on a fresh database, and so
 * on, until the one at fault is alone: it is refused, every other object is written.
 */
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { readerPaths } from '../duckdb/file-path.js';
import { duckdbReason, isOutOfMemory, jsonErrorDetail } from '../duckdb/errors.js';
import { firstLine, machineFault } from '../errors.js';
import { PARTITION_COLUMN } from '../schema/event-schema.js';
import { sha256File } from '../util/file-hash.js';
import type { BatchDay } from './batch-day.js';
import {
  BATCH_OBJECTS_TABLE,
  copyDaysToPartsStatement,
  copyOneDayToPartStatement,
  copyToPartsStatement,
  distinctDaysStatement,
  invalidRecordsStatement,
  parseRecordStatement,
  type ScratchText,
  stagedPartsStatement,
  validateObjectStatement,
  workerSetupStatements,
} from './part-sql.js';
import type { IngestTask, ObjectOutcome, StagedPart } from './task.js';

const ABORT_POLL_MS = 50;

/** The task's abort flag was raised: nothing of it may be committed. */
export class TaskAborted extends Error {}

export function isAborted(flag: Int32Array): boolean {
  return Atomics.load(flag, 0) !== 0;
}

/** Where one object's lines lie in a scratch file: bytes [start, end). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A scratch file ready to be written, and the objects of the task whose records it holds. */
export interface Segment {
  readonly file: string;
  /** Names the segment's staging directory and parts: unique within the task. */
  readonly label: string;
  /** Whether every record falls on one day (batch-day.ts): a hint, checked by the COPY. */
  readonly day: BatchDay;
  /** Some record holds line-break placeholders (record-scanner.ts). */
  readonly placeholders: boolean;
  /** The objects with lines in the file, and where (each object's lines are contiguous). */
  readonly objects: ReadonlyMap<number, ByteRange>;
}

/** Per object of the task: its events, or why it was refused. Refusals found here are added. */
export type Outcomes = Map<number, ObjectOutcome>;

export function refused(index: number, reason: string): ObjectOutcome {
  return { index, events: 0, decodedBytes: 0, error: reason };
}

function isLive(outcomes: Outcomes, index: number): boolean {
  return outcomes.get(index)?.error === undefined;
}

/** Why DuckDB could not write one object, found alone in its group. */
function aloneReason(error: unknown, memoryLimit: string): string {
  return isOutOfMemory(error)
    ? `needs more memory than the worker's limit of ${memoryLimit} (raise --worker-memory): ${firstLine(error)}`
    : `DuckDB cannot read it: ${duckdbReason(error)}`;
}

/** Where one COPY stages its parts, and the prefix of their names (unique in the lake). */
interface Output {
  readonly dir: string;
  readonly prefix: string;
}

/**
 * After a failed COPY: finds the objects DuckDB rejects, records why, and removes them from the
 * batch. Returns how many were found.
 */
async function isolateBadObjects(
  connection: DuckDBConnection,
  file: ScratchText,
  objects: readonly number[],
  outcomes: Outcomes,
): Promise<number> {
  const reject = async (index: number, reason: string): Promise<void> => {
    outcomes.set(index, refused(index, reason));
    await connection.run(`UPDATE ${BATCH_OBJECTS_TABLE} SET uri = NULL WHERE idx = $1`, [index]);
  };
  const included = new Set(objects);
  let found = 0;
  const invalid = await connection.runAndReadAll(invalidRecordsStatement(file));
  for (const row of invalid.getRowObjectsJS()) {
    const index = Number(row['object_index']);
    if (!included.has(index) || !isLive(outcomes, index)) continue;
    const record = Number(row['record_index']);
    let detail = 'malformed JSON';
    try {
      await connection.run(parseRecordStatement(file, index, record));
    } catch (error) {
      detail = jsonErrorDetail(error);
    }
    await reject(index, `record ${record} is not valid JSON (${detail})`);
    found++;
  }
  if (found > 0) return found;
  for (const index of objects) {
    if (!isLive(outcomes, index)) continue;
    try {
      await connection.run(validateObjectStatement(file, index));
    } catch (error) {
      await reject(index, duckdbReason(error));
      found++;
    }
  }
  return found;
}

/** Days written by one COPY when a batch spans too many to write at once. */
const DAYS_PER_COPY = 16;

/**
 * Writes the parts. A partitioned COPY keeps buffers for every day it has open, so a batch
 * spanning hundreds of event days (exported samples: one file covering a year) can exceed the
 * worker's memory although it is small: then the days are written a few at a time. (Batches of a
 * sparse trail, one file a day, are already cut by delivery day in the plan.)
 */
async function copyParts(
  connection: DuckDBConnection,
  output: Output,
  file: ScratchText,
  day: BatchDay,
): Promise<void> {
  if (typeof day === 'string') {
    const dir = path.join(output.dir, `${PARTITION_COLUMN}=${day}`);
    await mkdir(dir, { recursive: true });
    try {
      await connection.run(
        copyOneDayToPartStatement(file, path.join(dir, `${output.prefix}-0.parquet`), day),
      );
      return;
    } catch {
      // A row of another day (the hint was wrong), or an error the partitioned COPY below meets
      // again and handles or reports: start over with it.
      await rm(output.dir, { recursive: true, force: true });
    }
  }
  try {
    await connection.run(copyToPartsStatement(file, output.dir, output.prefix));
  } catch (error) {
    if (!isOutOfMemory(error)) throw error;
    await rm(output.dir, { recursive: true, force: true });
    const reader = await connection.runAndReadAll(distinctDaysStatement(file));
    const days = reader.getRowsJS().map(([day]) => (typeof day === 'string' ? day : null));
    for (let i = 0; i < days.length; i += DAYS_PER_COPY) {
      await connection.run(
        copyDaysToPartsStatement(
          file,
          output.dir,
          `${output.prefix}-d${String(i)}`,
          days.slice(i, i + DAYS_PER_COPY),
        ),
      );
    }
  }
}

/** The Parquet files under `dir`, at any depth. */
async function parquetFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => []);
  return names.filter((name) => name.endsWith('.parquet')).map((name) => path.join(dir, name));
}

async function stagedParts(connection: DuckDBConnection, output: Output): Promise<StagedPart[]> {
  const files = await parquetFiles(output.dir);
  if (files.length === 0) return [];
  const reader = await connection.runAndReadAll(stagedPartsStatement(readerPaths(files)));
  return Promise.all(
    reader.getRowObjectsJS().map(async (row) => {
      const stagedPath = row['file_name'] as string;
      return {
        stagedPath,
        lakePath: path.relative(output.dir, stagedPath),
        rows: Number(row['rows']),
        bytes: (await stat(stagedPath)).size,
        sha256: await sha256File(stagedPath),
      };
    }),
  );
}

/** Runs `work` on a fresh in-memory DuckDB, interrupted as soon as the abort flag is raised. */
async function withDatabase<T>(
  task: IngestTask,
  flag: Int32Array,
  included: ReadonlySet<number>,
  work: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const timer = setInterval(() => {
    if (isAborted(flag)) connection.interrupt();
  }, ABORT_POLL_MS);
  try {
    for (const statement of workerSetupStatements(
      task.memoryLimit,
      path.join(task.scratchDir, 'duckdb-tmp'),
    )) {
      await connection.run(statement);
    }
    const appender = await connection.createAppender(BATCH_OBJECTS_TABLE, 'main', 'temp');
    for (const [position, object] of task.objects.entries()) {
      if (object.index !== position) throw new Error('internal error: task objects out of order');
      appender.appendInteger(object.index);
      // A NULL URI leaves the object's lines out of the COPY.
      if (included.has(object.index)) appender.appendVarchar(object.uri);
      else appender.appendNull();
      appender.endRow();
    }
    appender.closeSync();
    return await work(connection);
  } catch (error) {
    if (isAborted(flag)) throw new TaskAborted();
    throw error;
  } finally {
    clearInterval(timer);
    connection.closeSync();
    instance.closeSync();
  }
}

/** A group of a segment's objects, and the scratch file holding (at least) their lines. */
interface Group {
  readonly file: string;
  readonly objects: readonly number[];
  readonly label: string;
}

async function writeOnce(
  connection: DuckDBConnection,
  group: Group,
  segment: Segment,
  output: Output,
  flag: Int32Array,
  outcomes: Outcomes,
): Promise<StagedPart[]> {
  const { objects } = group;
  const { day } = segment;
  const file: ScratchText = { path: group.file, placeholders: segment.placeholders };
  try {
    await copyParts(connection, output, file, day);
  } catch (error) {
    if (isAborted(flag)) throw new TaskAborted();
    if ((await isolateBadObjects(connection, file, objects, outcomes)) === 0) throw error;
    await rm(output.dir, { recursive: true, force: true });
    if (!objects.some((i) => isLive(outcomes, i))) return [];
    await copyParts(connection, output, file, day);
  }
  return stagedParts(connection, output);
}

const COPY_CHUNK_BYTES = 1024 * 1024;

/**
 * Writes a scratch file holding only the lines of `objects`, copied from the segment's file.
 * (DuckDB reads a scratch file whole before any filter applies, so a line that breaks its reader
 * breaks every group that merely shares the file.)
 */
async function extractGroupFile(
  segment: Segment,
  objects: readonly number[],
  file: string,
): Promise<void> {
  const source = await open(segment.file, 'r');
  const target = await open(file, 'w');
  try {
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let written = 0;
    for (const index of objects) {
      const range = segment.objects.get(index);
      if (range === undefined) continue;
      // Lines are joined by a leading newline: the group's first line must not have one, and
      // each later line must.
      let start = range.start;
      if (range.start < range.end) {
        await source.read(buffer, 0, 1, start);
        const startsWithNewline = buffer[0] === 0x0a;
        if (written === 0 && startsWithNewline) start++;
        if (written > 0 && !startsWithNewline) {
          await target.write(Buffer.from('\n'));
          written++;
        }
      }
      for (let at = start; at < range.end;) {
        const { bytesRead } = await source.read(
          buffer,
          0,
          Math.min(COPY_CHUNK_BYTES, range.end - at),
          at,
        );
        if (bytesRead === 0) break;
        await target.write(buffer, 0, bytesRead);
        at += bytesRead;
        written += bytesRead;
      }
    }
  } finally {
    await source.close();
    await target.close();
  }
}

async function writeGroup(
  task: IngestTask,
  flag: Int32Array,
  segment: Segment,
  group: Group,
  outcomes: Outcomes,
): Promise<StagedPart[]> {
  const { objects, label } = group;
  const output: Output = {
    dir: path.join(task.stagingDir, label),
    prefix: `${task.partPrefix}-${label}`,
  };
  // A partitioned COPY creates its directory, but not the directory above it.
  await mkdir(task.stagingDir, { recursive: true });
  try {
    return await withDatabase(task, flag, new Set(objects), (connection) =>
      writeOnce(connection, group, segment, output, flag, outcomes),
    );
  } catch (error) {
    if (error instanceof TaskAborted || isAborted(flag)) throw new TaskAborted();
    if (machineFault(error) !== undefined) throw error;
    await rm(output.dir, { recursive: true, force: true });
    const live = objects.filter((i) => isLive(outcomes, i));
    const [first] = live;
    if (live.length <= 1) {
      if (first !== undefined)
        outcomes.set(first, refused(first, aloneReason(error, task.memoryLimit)));
      return [];
    }
    const half = Math.ceil(live.length / 2);
    const parts: StagedPart[] = [];
    for (const [suffix, members] of [
      ['a', live.slice(0, half)],
      ['b', live.slice(half)],
    ] as const) {
      const file = `${segment.file}-${label}${suffix}`;
      await extractGroupFile(segment, members, file);
      try {
        parts.push(
          ...(await writeGroup(
            task,
            flag,
            segment,
            { file, objects: members, label: `${label}${suffix}` },
            outcomes,
          )),
        );
      } finally {
        await rm(file, { force: true });
      }
    }
    return parts;
  }
}

/**
 * Writes the segment's live objects to parts staged under `task.stagingDir/<label>`; objects
 * found unreadable are refused in `outcomes`. Throws TaskAborted when the task is aborted, and a
 * machine fault (a full disk) as it is.
 */
export function writeSegment(
  task: IngestTask,
  flag: Int32Array,
  segment: Segment,
  outcomes: Outcomes,
): Promise<StagedPart[]> {
  const objects = [...segment.objects.keys()].filter((i) => isLive(outcomes, i));
  if (objects.length === 0) return Promise.resolve([]);
  return writeGroup(
    task,
    flag,
    segment,
    { file: segment.file, objects, label: segment.label },
    outcomes,
  );
}
