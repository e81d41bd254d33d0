/**
 * The piscina worker: one task = one batch of objects → Parquet parts in a staging directory.
 *
 * Per object, JavaScript fetches, gunzips (zlib) and finds the record boundaries; the records go
 * to the task's scratch file with their checksums. Then one DuckDB statement parses every record
 * (json_transform, in C++), projects the Lake schema and writes zstd Parquet partitioned by day.
 *
 * Each task opens and closes its own in-memory DuckDB, so an idle worker holds no native query
 * state: the pool can always be shut down without terminating a thread inside a DuckDB call
 * (which aborts the whole process). Cancellation goes through DuckDB's interrupt instead.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { firstLine, isOutOfMemory } from '../errors.js';
import { fetchObjectBytes } from '../source/fetch-object.js';
import { PARTITION_COLUMN } from '../schema/event-schema.js';
import { type BatchDay, foldBatchDay } from './batch-day.js';
import {
  BATCH_OBJECTS_TABLE,
  copyDaysToPartsStatement,
  copyOneDayToPartStatement,
  copyToPartsStatement,
  distinctDaysStatement,
  invalidRecordsStatement,
  parseRecordStatement,
  stagedPartsStatement,
  validateObjectStatement,
  workerSetupStatements,
} from './part-sql.js';
import { readObjectRecords } from './object-records.js';
import { LogShapeError } from './record-scanner.js';
import { ScratchFile } from './scratch-file.js';
import type { IngestTask, ObjectOutcome, StagedPart, TaskObject, TaskResult } from './task.js';

const ABORT_POLL_MS = 50;

class TaskAborted extends Error {}

function isAborted(flag: Int32Array): boolean {
  return Atomics.load(flag, 0) !== 0;
}

/** Objects fetched ahead of the one being scanned: a slow S3 GET overlaps the others' work. */
const FETCH_AHEAD = 4;

type Fetched = { bytes: Buffer } | { error: string };

function startFetch(object: TaskObject, task: IngestTask, signal: AbortSignal): Promise<Fetched> {
  return fetchObjectBytes(object.location, task.s3, signal).then(
    (bytes) => ({ bytes }),
    (error: unknown) => ({ error: `cannot read: ${firstLine(error)}` }),
  );
}

/** The scratch file of a task and what is known of its events' days. */
interface Scratch {
  readonly file: ScratchFile;
  day: BatchDay;
}

/**
 * Reads one fetched object's records into the scratch file. A large object is written as it is
 * read: if it turns out unreadable part way, its lines stay in the scratch file, and the COPY
 * leaves them out with the other rejected objects' (see `withDatabase`).
 */
async function prepareObject(
  object: TaskObject,
  fetched: Fetched,
  scratch: Scratch,
): Promise<ObjectOutcome> {
  if ('error' in fetched)
    return { index: object.index, events: 0, decodedBytes: 0, error: fetched.error };
  try {
    const { records, decodedBytes } = await readObjectRecords(
      fetched.bytes,
      (text, ranges, firstRecord) => {
        scratch.file.append(object.index, text, ranges, firstRecord);
        scratch.day = foldBatchDay(scratch.day, text, ranges);
      },
    );
    return { index: object.index, events: records, decodedBytes };
  } catch (error) {
    if (error instanceof LogShapeError) {
      return { index: object.index, events: 0, decodedBytes: 0, error: error.message };
    }
    throw error;
  }
}

function stripDuckDBPrefix(message: string): string {
  return message.replace(/^[A-Za-z ]+ Error: /, '').replace(/\s+Input: .*$/, '');
}

/** DuckDB's "Malformed JSON at byte 14 of input: invalid literal." → "invalid literal at byte 14". */
function jsonErrorDetail(message: string): string {
  const stripped = stripDuckDBPrefix(message);
  const match = /^Malformed JSON at byte (\d+) of input: (.*?)\.?$/.exec(stripped);
  return match ? `${match[2] ?? ''} at byte ${match[1] ?? ''}` : stripped;
}

/**
 * After a failed COPY: finds the objects DuckDB rejects, records why, and removes them from the
 * batch. Returns how many were found.
 */
async function isolateBadObjects(
  connection: DuckDBConnection,
  file: string,
  outcomes: Map<number, ObjectOutcome>,
): Promise<number> {
  const reject = async (index: number, reason: string): Promise<void> => {
    outcomes.set(index, { index, events: 0, decodedBytes: 0, error: reason });
    await connection.run(`UPDATE ${BATCH_OBJECTS_TABLE} SET uri = NULL WHERE idx = $1`, [index]);
  };
  let found = 0;
  const invalid = await connection.runAndReadAll(invalidRecordsStatement(file));
  for (const row of invalid.getRowObjectsJS()) {
    const index = Number(row['object_index']);
    // Lines of an object already refused while reading (its rows are not in the COPY).
    if (outcomes.get(index)?.error !== undefined) continue;
    const record = Number(row['record_index']);
    let detail = 'malformed JSON';
    try {
      await connection.run(parseRecordStatement(file, index, record));
    } catch (error) {
      detail = jsonErrorDetail(firstLine(error));
    }
    await reject(index, `record ${record} is not valid JSON (${detail})`);
    found++;
  }
  if (found > 0) return found;
  for (const [index, outcome] of outcomes) {
    if (outcome.error !== undefined || outcome.events === 0) continue;
    try {
      await connection.run(validateObjectStatement(file, index));
    } catch (error) {
      await reject(index, stripDuckDBPrefix(firstLine(error)));
      found++;
    }
  }
  return found;
}

/** Days written by one COPY when a batch spans too many to write at once. */
const DAYS_PER_COPY = 16;

/**
 * Writes the batch's parts. A partitioned COPY keeps buffers for every day it has open, so a
 * batch spanning hundreds of event days (exported samples: one file covering a year) can exceed
 * the worker's memory although it is small: then the days are written a few at a time. (Batches
 * of a sparse trail, one file a day, are already cut by delivery day in the plan.)
 */
async function copyParts(
  connection: DuckDBConnection,
  task: IngestTask,
  file: string,
  day: BatchDay,
): Promise<void> {
  if (typeof day === 'string') {
    const dir = path.join(task.stagingDir, `${PARTITION_COLUMN}=${day}`);
    await mkdir(dir, { recursive: true });
    try {
      await connection.run(
        copyOneDayToPartStatement(file, path.join(dir, `${task.partPrefix}-0.parquet`), day),
      );
      return;
    } catch {
      // A row of another day (the hint was wrong), or an error the partitioned COPY below meets
      // again and handles or reports: start over with it.
      await rm(task.stagingDir, { recursive: true, force: true });
    }
  }
  try {
    await connection.run(copyToPartsStatement(file, task.stagingDir, task.partPrefix));
  } catch (error) {
    if (!isOutOfMemory(error)) throw error;
    await rm(task.stagingDir, { recursive: true, force: true });
    const reader = await connection.runAndReadAll(distinctDaysStatement(file));
    const days = reader.getRowsJS().map(([day]) => (typeof day === 'string' ? day : null));
    for (let i = 0; i < days.length; i += DAYS_PER_COPY) {
      await connection.run(
        copyDaysToPartsStatement(
          file,
          task.stagingDir,
          `${task.partPrefix}-d${String(i)}`,
          days.slice(i, i + DAYS_PER_COPY),
        ),
      );
    }
  }
}

async function writeParts(
  connection: DuckDBConnection,
  task: IngestTask,
  scratch: Scratch,
  flag: Int32Array,
  outcomes: Map<number, ObjectOutcome>,
): Promise<StagedPart[]> {
  const file = scratch.file.path;
  try {
    await copyParts(connection, task, file, scratch.day);
  } catch (error) {
    if (isAborted(flag)) throw new TaskAborted();
    if ((await isolateBadObjects(connection, file, outcomes)) === 0) throw error;
    await rm(task.stagingDir, { recursive: true, force: true });
    if (readableEvents(outcomes) === 0) return [];
    await copyParts(connection, task, file, scratch.day);
  }
  const reader = await connection.runAndReadAll(stagedPartsStatement(task.stagingDir));
  return Promise.all(
    reader.getRowObjectsJS().map(async (row) => {
      const stagedPath = row['file_name'] as string;
      return {
        stagedPath,
        lakePath: path.relative(task.stagingDir, stagedPath),
        rows: Number(row['rows']),
        bytes: (await stat(stagedPath)).size,
      };
    }),
  );
}

/** Runs `work` on a fresh in-memory DuckDB, interrupted as soon as the abort flag is raised. */
async function withDatabase<T>(
  task: IngestTask,
  flag: Int32Array,
  outcomes: ReadonlyMap<number, ObjectOutcome>,
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
      // A NULL URI leaves the object's lines out: a large object refused part way has some.
      if (outcomes.get(object.index)?.error === undefined) appender.appendVarchar(object.uri);
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

/** Fetches (ahead) and prepares every object of the task, in order. */
async function prepareObjects(
  task: IngestTask,
  flag: Int32Array,
  scratch: Scratch,
  outcomes: Map<number, ObjectOutcome>,
): Promise<boolean> {
  const controller = new AbortController();
  const poll = setInterval(() => {
    if (isAborted(flag)) controller.abort();
  }, ABORT_POLL_MS);
  // Objects are scanned in the order their fetches complete (the scratch lines carry the object
  // index), so one slow GET holds one of the FETCH_AHEAD slots, not the whole batch.
  const pending = new Map<number, Promise<{ position: number; fetched: Fetched }>>();
  let next = 0;
  try {
    while (next < task.objects.length || pending.size > 0) {
      while (next < task.objects.length && pending.size < FETCH_AHEAD) {
        const position = next++;
        const object = task.objects[position];
        if (object) {
          pending.set(
            position,
            startFetch(object, task, controller.signal).then((fetched) => ({ position, fetched })),
          );
        }
      }
      const { position, fetched } = await Promise.race(pending.values());
      pending.delete(position);
      if (isAborted(flag)) return false;
      const object = task.objects[position];
      if (object) outcomes.set(object.index, await prepareObject(object, fetched, scratch));
    }
    return true;
  } finally {
    clearInterval(poll);
    controller.abort();
    await Promise.all(pending.values());
  }
}

/** Events of the objects not refused (so far). */
function readableEvents(outcomes: ReadonlyMap<number, ObjectOutcome>): number {
  let events = 0;
  for (const outcome of outcomes.values())
    if (outcome.error === undefined) events += outcome.events;
  return events;
}

export default async function runIngestTask(task: IngestTask): Promise<TaskResult> {
  const flag = new Int32Array(task.abortFlag);
  const aborted: TaskResult = { taskId: task.taskId, outcomes: [], parts: [], aborted: true };
  const outcomes = new Map<number, ObjectOutcome>();
  await mkdir(task.scratchDir, { recursive: true });
  await mkdir(path.dirname(task.stagingDir), { recursive: true });
  const scratch: Scratch = {
    file: new ScratchFile(path.join(task.scratchDir, 'records.scratch')),
    day: undefined,
  };
  try {
    try {
      if (!(await prepareObjects(task, flag, scratch, outcomes))) return aborted;
    } finally {
      scratch.file.close();
    }
    const parts =
      readableEvents(outcomes) === 0
        ? []
        : await withDatabase(task, flag, outcomes, (connection) =>
            writeParts(connection, task, scratch, flag, outcomes),
          );
    // The COPY may have found more objects to refuse.
    const expected = readableEvents(outcomes);
    const written = parts.reduce((n, p) => n + p.rows, 0);
    if (expected !== written) {
      throw new Error(
        `internal error: task ${task.taskId} read ${expected} records but wrote ${written} rows`,
      );
    }
    return { taskId: task.taskId, outcomes: [...outcomes.values()], parts, aborted: false };
  } catch (error) {
    if (error instanceof TaskAborted) return aborted;
    throw error;
  } finally {
    await rm(task.scratchDir, { recursive: true, force: true });
  }
}

/** Piscina task `loaded` (pool.ts): runs once this thread has loaded the module. */
export function loaded(): boolean {
  return true;
}
