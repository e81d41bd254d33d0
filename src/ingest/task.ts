/**
 * The messages between the ingest planner (main thread) and the workers. A task is a batch of
 * objects; a result is small: per-object counts and errors, and the paths of the Parquet parts
 * the worker staged. Rows never cross the thread boundary.
 */
import type { S3Settings } from '../source/s3-settings.js';
import type { ObjectLocation } from '../source/trail-object.js';
import type { ScratchLimits } from './scratch-file.js';

export interface TaskObject {
  /** Position in the task, used to name the worker's scratch files. */
  readonly index: number;
  readonly uri: string;
  readonly location: ObjectLocation;
  /** Bytes as stored (listed): a large object is streamed, not read whole. */
  readonly size: number;
}

export interface IngestTask {
  readonly taskId: number;
  readonly objects: readonly TaskObject[];
  /** Directory for this task's Parquet output; the committer moves the parts into the lake. */
  readonly stagingDir: string;
  /** Directory for scratch NDJSON (ideally on tmpfs); removed by the worker. */
  readonly scratchDir: string;
  /** Int32 flag, set to 1 to ask the worker to stop: checked between objects and during queries. */
  readonly abortFlag: SharedArrayBuffer;
  /** DuckDB memory limit for the worker's database, e.g. '512MB'. */
  readonly memoryLimit: string;
  /** Partition file name prefix, unique in the lake (run and task ids). */
  readonly partPrefix: string;
  /** How to reach S3, when some objects are there. */
  readonly s3?: S3Settings;
  readonly scratchLimits: ScratchLimits;
}

export interface ObjectOutcome {
  readonly index: number;
  /** Records read (0 when the object failed). */
  readonly events: number;
  /** Bytes once decompressed (0 when unreadable). */
  readonly decodedBytes: number;
  /** Why the object could not be ingested; absent on success. */
  readonly error?: string;
  /** SHA-256 (hex) of the object's bytes as read (stored, before gunzip). */
  readonly sha256?: string;
}

export interface StagedPart {
  /** Absolute path of the staged file. */
  readonly stagedPath: string;
  /** Path relative to the lake's events directory, e.g. `event_date=2024-05-09/part-...parquet`. */
  readonly lakePath: string;
  readonly rows: number;
  readonly bytes: number;
  /** SHA-256 (hex) of the part file as staged: the catalog keeps it to check the lake later. */
  readonly sha256: string;
}

export interface TaskResult {
  readonly taskId: number;
  readonly outcomes: readonly ObjectOutcome[];
  readonly parts: readonly StagedPart[];
  /** The task stopped because the abort flag was set; nothing of it may be committed. */
  readonly aborted: boolean;
}
