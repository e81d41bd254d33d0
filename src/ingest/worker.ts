/**
 * The piscina worker: one task = one batch of objects → Parquet parts in a staging directory.
 *
 * Per object, JavaScript fetches, gunzips (zlib) and finds the record boundaries; the records go
 * to the task's scratch file with their checksums. Then one DuckDB statement parses every record
 * (json_transform, in C++), projects the Lake schema and writes zstd Parquet partitioned by day.
 * A scratch file that grows past its limit is written out before the next object and a new one
 * begins (a segment), so a worker's scratch space is bounded whatever the batch holds.
 *
 * Bad input costs only the object it is in: an object refused while it is read has its lines
 * removed from the scratch file, and segment-writer.ts isolates the objects DuckDB cannot write.
 *
 * Each task opens and closes its own in-memory DuckDB, so an idle worker holds no native query
 * state: the pool can always be shut down without terminating a thread inside a DuckDB call
 * (which aborts the whole process). Cancellation goes through DuckDB's interrupt instead.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { firstLine } from '../errors.js';
import {
  BodyReadError,
  FetchError,
  type ObjectBody,
  openObject,
  withBodyRetries,
} from '../source/fetch-object.js';
import { type BatchDay, foldBatchDay } from './batch-day.js';
import { readObjectRecords } from './object-records.js';
import { LogShapeError } from './record-scanner.js';
import { ScratchFile } from './scratch-file.js';
import {
  type ByteRange,
  isAborted,
  type Outcomes,
  refused,
  TaskAborted,
  writeSegment,
} from './segment-writer.js';
import type { IngestTask, ObjectOutcome, StagedPart, TaskObject, TaskResult } from './task.js';

const ABORT_POLL_MS = 50;

/** Objects fetched ahead of the one being scanned: a slow S3 GET overlaps the others' work. */
const FETCH_AHEAD = 4;

type Fetched = { body: ObjectBody } | { error: string };

function cannotRead(error: unknown): string {
  return `cannot read: ${firstLine(error)}`;
}

function startFetch(object: TaskObject, task: IngestTask, signal: AbortSignal): Promise<Fetched> {
  return openObject(object.location, object.size, task.s3, signal).then(
    (body) => ({ body }),
    (error: unknown) => ({ error: cannotRead(error) }),
  );
}

/**
 * The object's body, hashed as it is read: the SHA-256 of the stored bytes goes to the catalog,
 * so the lake can later show which file, byte for byte, its rows came from. A streamed body
 * read again after a break is hashed anew; one not read to its end has no hash.
 */
function hashingBody(body: ObjectBody): { body: ObjectBody; sha256: () => string | undefined } {
  if (Buffer.isBuffer(body)) {
    const sha256 = createHash('sha256').update(body).digest('hex');
    return { body, sha256: () => sha256 };
  }
  let sha256: string | undefined;
  return {
    body: {
      size: body.size,
      async *open() {
        sha256 = undefined;
        const hash = createHash('sha256');
        for await (const chunk of body.open()) {
          hash.update(chunk);
          yield chunk;
        }
        sha256 = hash.digest('hex');
      },
    },
    sha256: () => sha256,
  };
}

/** Events of the objects not refused (so far). */
function readableEvents(outcomes: Outcomes): number {
  let events = 0;
  for (const outcome of outcomes.values())
    if (outcome.error === undefined) events += outcome.events;
  return events;
}

/** The scratch file being filled, and what is known of it. */
interface OpenSegment {
  readonly number: number;
  readonly file: ScratchFile;
  day: BatchDay;
  /** Some record holds line-break placeholders (record-scanner.ts). */
  placeholders: boolean;
  readonly objects: Map<number, ByteRange>;
}

/** The worker's state for one task: its outcomes, the segment being filled, the parts written. */
class TaskRun {
  readonly outcomes: Outcomes = new Map();
  readonly parts: StagedPart[] = [];
  readonly #task: IngestTask;
  readonly #flag: Int32Array;
  #segment: OpenSegment;

  constructor(task: IngestTask, flag: Int32Array) {
    this.#task = task;
    this.#flag = flag;
    this.#segment = this.#newSegment(0);
  }

  #newSegment(number: number): OpenSegment {
    const file = new ScratchFile(path.join(this.#task.scratchDir, `records-${number}.scratch`));
    return { number, file, day: undefined, placeholders: false, objects: new Map() };
  }

  /** Reads one fetched object's records into the scratch file, or records why it cannot. */
  async add(object: TaskObject, fetched: Fetched, signal: AbortSignal): Promise<void> {
    const { index } = object;
    if ('error' in fetched) {
      this.outcomes.set(index, refused(index, fetched.error));
      return;
    }
    const segment = this.#segment;
    const start = segment.file.bytes;
    try {
      const outcome = await this.#read(index, fetched.body, segment, signal);
      this.outcomes.set(index, outcome);
      if (outcome.events > 0) segment.objects.set(index, { start, end: segment.file.bytes });
    } catch (error) {
      if (error instanceof LogShapeError) this.outcomes.set(index, refused(index, error.message));
      else if (error instanceof FetchError || error instanceof BodyReadError)
        this.outcomes.set(index, refused(index, cannotRead(error)));
      else throw error;
    }
    if (segment.file.bytes >= this.#task.scratchLimits.flushBytes) {
      await this.#writeSegment();
      this.#segment = this.#newSegment(segment.number + 1);
    }
  }

  /**
   * Reads the object's records into the segment. Nothing of an object that is refused, or read
   * again after its body broke off, stays in the scratch file.
   */
  async #read(
    index: number,
    body: ObjectBody,
    segment: OpenSegment,
    signal: AbortSignal,
  ): Promise<ObjectOutcome> {
    const mark = segment.file.mark();
    const dayBefore = segment.day;
    const limit = this.#task.scratchLimits.objectBytes;
    const stored = hashingBody(body);
    const readAll = async (): Promise<ObjectOutcome> => {
      try {
        const { records, decodedBytes } = await readObjectRecords(
          stored.body,
          (text, ranges, firstRecord) => {
            segment.placeholders ||= ranges.placeholders;
            if (!segment.file.append(index, text, ranges, firstRecord, mark.bytes + limit)) {
              throw new LogShapeError(
                `needs more than ${String(limit / 2 ** 20)} MiB of scratch space for its records, the most one object may use`,
              );
            }
            segment.day = foldBatchDay(segment.day, text, ranges);
          },
        );
        const sha256 = stored.sha256();
        return { index, events: records, decodedBytes, ...(sha256 ? { sha256 } : {}) };
      } catch (error) {
        segment.file.rollback(mark);
        segment.day = dayBefore;
        throw error;
      }
    };
    return Buffer.isBuffer(body) ? readAll() : withBodyRetries(readAll, signal);
  }

  /** Writes the last segment; the task's parts are then all staged. */
  async finish(): Promise<void> {
    await this.#writeSegment();
  }

  close(): void {
    this.#segment.file.close();
  }

  async #writeSegment(): Promise<void> {
    const { file, number, day, placeholders, objects } = this.#segment;
    file.close();
    const parts = await writeSegment(
      this.#task,
      this.#flag,
      { file: file.path, label: `s${String(number)}`, day, placeholders, objects },
      this.outcomes,
    );
    this.parts.push(...parts);
    await rm(file.path, { force: true });
  }
}

/** Fetches (ahead) every object of the task and hands each to `run`, in the order they arrive. */
async function readObjects(task: IngestTask, flag: Int32Array, run: TaskRun): Promise<boolean> {
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
      if (object) await run.add(object, fetched, controller.signal);
      if (isAborted(flag)) return false;
    }
    return true;
  } finally {
    clearInterval(poll);
    controller.abort();
    await Promise.all(pending.values());
  }
}

export default async function runIngestTask(task: IngestTask): Promise<TaskResult> {
  const flag = new Int32Array(task.abortFlag);
  const aborted: TaskResult = { taskId: task.taskId, outcomes: [], parts: [], aborted: true };
  await mkdir(task.scratchDir, { recursive: true });
  await mkdir(task.stagingDir, { recursive: true });
  const run = new TaskRun(task, flag);
  try {
    if (!(await readObjects(task, flag, run))) return aborted;
    await run.finish();
    // Writing may have found more objects to refuse.
    const expected = readableEvents(run.outcomes);
    const written = run.parts.reduce((n, p) => n + p.rows, 0);
    if (expected !== written) {
      throw new Error(
        `internal error: task ${task.taskId} read ${expected} records but wrote ${written} rows`,
      );
    }
    return {
      taskId: task.taskId,
      outcomes: [...run.outcomes.values()],
      parts: run.parts,
      aborted: false,
    };
  } catch (error) {
    if (error instanceof TaskAborted) return aborted;
    throw error;
  } finally {
    run.close();
    await rm(task.scratchDir, { recursive: true, force: true });
  }
}

/** Piscina task `loaded` (pool.ts): runs once this thread has loaded the module. */
export function loaded(): boolean {
  return true;
}
