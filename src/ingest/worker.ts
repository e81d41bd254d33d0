/**
 * The piscina worker: one task = one batch of objects → Parquet parts in a staging directory.
 *
 * Per object, JavaScript fetches, gunzips (zlib) and finds the record boundaries; the records go
 * to a scratch NDJSON file with their checksums. Then one DuckDB statement parses every record
 * (json_transform, in C++), projects the Lake schema and writes zstd Parquet partitioned by day.
 *
 * Each task opens and closes its own in-memory DuckDB, so an idle worker holds no native query
 * state: the pool can always be shut down without terminating a thread inside a DuckDB call
 * (which aborts the whole process). Cancellation goes through DuckDB's interrupt instead.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { firstLine } from '../errors.js';
import { fetchObjectBytes } from '../source/fetch-object.js';
import { decodeObjectBytes } from './decode.js';
import {
  BATCH_OBJECTS_TABLE,
  copyToPartsStatement,
  firstInvalidRecordStatement,
  stagedPartsStatement,
  validateObjectStatement,
  workerSetupStatements,
} from './part-sql.js';
import { LogShapeError, scanRecords } from './record-scanner.js';
import { writeScratchLines } from './scratch-ndjson.js';
import type { IngestTask, ObjectOutcome, StagedPart, TaskResult, TaskObject } from './task.js';

const ABORT_POLL_MS = 50;

class TaskAborted extends Error {}

function scratchFile(task: IngestTask, index: number): string {
  return path.join(task.scratchDir, `${index}.ndjson`);
}

/** Reads, decodes and scans one object into its scratch file. */
async function prepareObject(task: IngestTask, object: TaskObject): Promise<ObjectOutcome> {
  let bytes: Buffer;
  try {
    bytes = await fetchObjectBytes(object.location);
  } catch (error) {
    return { index: object.index, events: 0, decodedBytes: 0, error: `cannot read: ${firstLine(error)}` };
  }
  try {
    const doc = decodeObjectBytes(bytes);
    const ranges = scanRecords(doc);
    if (ranges.starts.length > 0) await writeScratchLines(scratchFile(task, object.index), doc, ranges);
    return { index: object.index, events: ranges.starts.length, decodedBytes: doc.length };
  } catch (error) {
    if (error instanceof LogShapeError) {
      return { index: object.index, events: 0, decodedBytes: 0, error: error.message };
    }
    throw error;
  }
}

function isAborted(flag: Int32Array): boolean {
  return Atomics.load(flag, 0) !== 0;
}

/** Runs `work` with DuckDB interrupted as soon as the abort flag is raised. */
async function interruptible<T>(
  connection: DuckDBConnection,
  flag: Int32Array,
  work: () => Promise<T>,
): Promise<T> {
  const timer = setInterval(() => {
    if (isAborted(flag)) connection.interrupt();
  }, ABORT_POLL_MS);
  try {
    return await work();
  } catch (error) {
    if (isAborted(flag)) throw new TaskAborted();
    throw error;
  } finally {
    clearInterval(timer);
  }
}

/** Finds why one object's records fail in DuckDB; undefined when they don't. */
async function diagnoseObject(
  connection: DuckDBConnection,
  file: string,
): Promise<string | undefined> {
  try {
    await connection.run(validateObjectStatement(file));
    return undefined;
  } catch (error) {
    const reader = await connection.runAndReadAll(firstInvalidRecordStatement(file));
    const bad = reader.getRowObjectsJS()[0]?.['bad'];
    const detail = firstLine(error).replace(/^Invalid Input Error: /, '');
    return typeof bad === 'bigint' ? `record ${bad} is not valid JSON (${detail})` : detail;
  }
}

async function writeParts(
  connection: DuckDBConnection,
  task: IngestTask,
  flag: Int32Array,
  outcomes: Map<number, ObjectOutcome>,
): Promise<StagedPart[]> {
  const glob = path.join(task.scratchDir, '*.ndjson');
  const copy = copyToPartsStatement(glob, task.stagingDir, task.partPrefix);
  try {
    await connection.run(copy);
  } catch (error) {
    if (isAborted(flag)) throw new TaskAborted();
    // Some object's records did not parse: find which, drop them, and write the rest.
    let found = false;
    for (const [index, outcome] of outcomes) {
      if (outcome.error !== undefined || outcome.events === 0) continue;
      const file = scratchFile(task, index);
      const reason = await diagnoseObject(connection, file);
      if (reason === undefined) continue;
      found = true;
      outcomes.set(index, { index, events: 0, decodedBytes: 0, error: reason });
      await rm(file, { force: true });
    }
    if (!found) throw error;
    await rm(task.stagingDir, { recursive: true, force: true });
    if (![...outcomes.values()].some((o) => o.error === undefined && o.events > 0)) return [];
    await connection.run(copy);
  }
  const reader = await connection.runAndReadAll(stagedPartsStatement(task.stagingDir));
  return reader.getRowObjectsJS().map((row) => {
    const stagedPath = String(row['file_name']);
    const relative = path.relative(task.stagingDir, stagedPath);
    return { stagedPath, lakePath: relative, rows: Number(row['rows']), bytes: 0 };
  });
}

async function withDatabase<T>(task: IngestTask, work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const statement of workerSetupStatements(task.memoryLimit, path.join(task.scratchDir, 'duckdb-tmp'))) {
      await connection.run(statement);
    }
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function registerObjects(connection: DuckDBConnection, objects: readonly TaskObject[]): Promise<void> {
  const appender = await connection.createAppender(BATCH_OBJECTS_TABLE);
  for (const object of objects) {
    appender.appendInteger(object.index);
    appender.appendVarchar(object.uri);
    appender.endRow();
  }
  appender.closeSync();
}

async function fileSizes(parts: StagedPart[]): Promise<StagedPart[]> {
  return Promise.all(parts.map(async (p) => ({ ...p, bytes: (await stat(p.stagedPath)).size })));
}

export default async function runIngestTask(task: IngestTask): Promise<TaskResult> {
  const flag = new Int32Array(task.abortFlag);
  const outcomes = new Map<number, ObjectOutcome>();
  const aborted = (): TaskResult => ({ taskId: task.taskId, outcomes: [], parts: [], aborted: true });
  await mkdir(task.scratchDir, { recursive: true });
  await mkdir(path.dirname(task.stagingDir), { recursive: true });
  try {
    for (const object of task.objects) {
      if (isAborted(flag)) return aborted();
      outcomes.set(object.index, await prepareObject(task, object));
    }
    const anyRows = [...outcomes.values()].some((o) => o.error === undefined && o.events > 0);
    let parts: StagedPart[] = [];
    if (anyRows) {
      parts = await withDatabase(task, async (connection) => {
        await registerObjects(connection, task.objects);
        return interruptible(connection, flag, () => writeParts(connection, task, flag, outcomes));
      });
      parts = await fileSizes(parts);
    }
    const expected = [...outcomes.values()].reduce((n, o) => n + (o.error === undefined ? o.events : 0), 0);
    const written = parts.reduce((n, p) => n + p.rows, 0);
    if (expected !== written) {
      throw new Error(`internal error: task ${task.taskId} read ${expected} records but wrote ${written} rows`);
    }
    return { taskId: task.taskId, outcomes: [...outcomes.values()], parts, aborted: false };
  } catch (error) {
    if (error instanceof TaskAborted) return aborted();
    throw error;
  } finally {
    await rm(task.scratchDir, { recursive: true, force: true });
  }
}
