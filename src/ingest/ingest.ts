/**
 * `ingest`: list the sources, plan against the catalog, run the batches on the worker pool and
 * commit each finished batch. The main thread only plans, commits and reports progress.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  Catalog,
  type CommittedObject,
  type CommittedPart,
  type FailedObject,
} from '../lake/catalog.js';
import { DEFAULT_LAKE_DIR, DEFAULT_WORKER_MEMORY } from '../defaults.js';
import { type LakeLayout, lakeLayout } from '../lake/layout.js';
import { isOutOfMemory } from '../duckdb/errors.js';
import { CtlakeError, UsageError, firstLine, machineFault } from '../errors.js';
import {
  matchesFilter,
  type ObjectFilter,
  type ObjectSelection,
  parseObjectFilter,
} from '../source/object-filter.js';
import { checkShard, type Shard } from '../source/object-shard.js';
import { type S3Options, openSources, s3Settings } from '../source/open-sources.js';
import type { S3Settings } from '../source/s3-settings.js';
import type { TrailObject } from '../source/trail-object.js';
import type { ListingProblem, TrailSource } from '../source/trail-source.js';
import { benchRowForm, ROW_FORM_ENV } from './part-sql.js';
import { batchArchive, type BatchLimits, planIngest } from './plan.js';
import { IngestPool } from './pool.js';
import { DEFAULT_SCRATCH_LIMITS, type ScratchLimits } from './scratch-file.js';
import { defaultScratchBase, makeScratchRoot } from './scratch-root.js';
import type { IngestTask, TaskResult } from './task.js';

export interface IngestProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly events: number;
  readonly decodedBytes: number;
  readonly errors: number;
}

export interface IngestOptions {
  /**
   * Where the logs are: directories (searched recursively), files, glob patterns and
   * `s3://bucket[/prefix]` URIs, as the CLI takes them, or sources of one's own.
   */
  readonly sources: readonly (string | TrailSource)[];
  /** Which objects to read, by key: delivery days, accounts, regions. */
  readonly select?: ObjectSelection;
  /**
   * Read only this share of the objects (`--shard i/n`), so that n machines each build a lake of
   * one share; which objects fall in it depends on each object's name alone (object-shard.ts).
   */
  readonly shard?: Shard;
  /** How to reach S3 when a source is there (credentials come from the standard AWS chain). */
  readonly s3?: S3Options;
  /** The lake directory (default `ctlake-lake`); created when missing. */
  readonly lakeDir?: string;
  /** Worker threads (default: one per core). */
  readonly workers?: number;
  readonly signal?: AbortSignal;
  readonly batchLimits?: BatchLimits;
  /** DuckDB memory limit per worker (DuckDB's size syntax, e.g. `256MB`). */
  readonly workerMemoryLimit?: string;
  /** Scratch space per object and per worker (scratch-file.ts). */
  readonly scratchLimits?: ScratchLimits;
  readonly onPlanned?: (plan: {
    todo: number;
    unchanged: number;
    digests: number;
    otherShards: number;
    bytes: number;
  }) => void;
  readonly onProgress?: (progress: IngestProgress) => void;
  readonly onObjectError?: (uri: string, reason: string) => void;
  /** A folder that could not be listed (counted as an error) or a link not followed. */
  readonly onListingProblem?: (problem: ListingProblem) => void;
}

export interface IngestSummary extends IngestProgress {
  readonly runId: number;
  readonly unchanged: number;
  readonly digests: number;
  /** Objects left to the other shards of a `shard` split (not read, not recorded). */
  readonly otherShards: number;
  /** Objects whose earlier version's rows were replaced by this run. */
  readonly replaced: number;
  readonly seconds: number;
  readonly interrupted: boolean;
}

/** The options with the sources opened, the selection parsed and the defaults filled in. */
interface ResolvedOptions extends Omit<IngestOptions, 'sources' | 's3'> {
  readonly sources: readonly TrailSource[];
  readonly filter: ObjectFilter;
  readonly s3: S3Settings;
  readonly lakeDir: string;
  readonly workers: number;
}

async function resolve(options: IngestOptions): Promise<ResolvedOptions> {
  const filter = parseObjectFilter(options.select ?? {});
  const s3 = s3Settings(options.s3);
  const workers = options.workers ?? os.availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new UsageError(`workers: expected a whole number ≥ 1, got ${String(workers)}`);
  }
  if (options.shard !== undefined) checkShard(options.shard);
  return {
    ...options,
    sources: await openSources(options.sources, s3, filter),
    filter,
    s3,
    lakeDir: options.lakeDir ?? DEFAULT_LAKE_DIR,
    workers,
  };
}

/** Every listed object that passes the filter, and how many folders could not be listed. */
async function listAll(
  options: ResolvedOptions,
): Promise<{ objects: TrailObject[]; unreadable: number }> {
  const objects: TrailObject[] = [];
  let unreadable = 0;
  const onProblem = (problem: ListingProblem): void => {
    if (problem.kind === 'unreadable') unreadable++;
    options.onListingProblem?.(problem);
  };
  for (const source of options.sources) {
    for await (const object of source.list(options.signal, onProblem)) {
      if (matchesFilter(object.key, options.filter)) objects.push(object);
    }
  }
  return { objects, unreadable };
}

/**
 * Reads the sources into the lake: lists them, plans against the catalog (objects already in the
 * lake at the same version are skipped), runs the batches on a worker pool and commits each.
 * Objects that cannot be read are reported through `onObjectError` and counted in the summary;
 * the run goes on. Throws CtlakeError for usage mistakes, a busy or damaged lake, a machine fault.
 */
export async function ingest(ingestOptions: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const options = await resolve(ingestOptions);
  const layout = lakeLayout(options.lakeDir);
  // The workers read it too; checked here so that a wrong value is one line, not a worker's crash,
  // and so that the benchmark's non-Lake rows never land in a lake that already has Lake rows.
  if (benchRowForm() !== 'lake' && existsSync(layout.catalogPath))
    throw new UsageError(
      `${ROW_FORM_ENV} writes rows that are not Lake-schema: only into a new lake, and ${options.lakeDir} exists`,
    );
  // The workers start (a thread each, loading DuckDB: a few hundred ms) while the sources are
  // listed and the catalog opened.
  const pool = new IngestPool(Math.max(1, options.workers));
  try {
    return await listAndRun(options, layout, pool, started);
  } finally {
    await pool.close();
  }
}

async function listAndRun(
  options: ResolvedOptions,
  layout: LakeLayout,
  pool: IngestPool,
  started: number,
): Promise<IngestSummary> {
  const listed = await listAll(options);
  const catalog = await Catalog.open(layout);
  try {
    const plan = planIngest(listed.objects, await catalog.knownObjects(), options.shard);
    const bytesTotal = plan.todo.reduce((n, o) => n + o.size, 0);
    options.onPlanned?.({
      todo: plan.todo.length,
      unchanged: plan.unchanged,
      digests: plan.digests,
      otherShards: plan.otherShards,
      bytes: bytesTotal,
    });
    const runId = await catalog.beginRun(options.sources.map((s) => s.description).join(' '));
    const progress = {
      objectsDone: 0,
      objectsTotal: plan.todo.length,
      bytesDone: 0,
      bytesTotal,
      events: 0,
      decodedBytes: 0,
      errors: listed.unreadable,
      replaced: 0,
    };
    const changed = new Set(plan.changed.map((o) => o.uri));
    const interrupted = await runBatches(
      options,
      pool,
      catalog,
      runId,
      plan.todo,
      changed,
      progress,
    );
    await catalog.finishRun(
      runId,
      interrupted ? 'interrupted' : progress.errors > 0 ? 'failed' : 'done',
      {
        objects: progress.objectsDone,
        events: progress.events,
        bytes: progress.bytesDone,
        errors: progress.errors,
      },
    );
    return {
      ...progress,
      runId,
      unchanged: plan.unchanged,
      digests: plan.digests,
      otherShards: plan.otherShards,
      seconds: (performance.now() - started) / 1000,
      interrupted,
    };
  } finally {
    catalog.close();
  }
}

type MutableProgress = { -readonly [K in keyof IngestProgress]: IngestProgress[K] } & {
  replaced: number;
};

async function runBatches(
  options: ResolvedOptions,
  pool: IngestPool,
  catalog: Catalog,
  runId: number,
  todo: readonly TrailObject[],
  changed: ReadonlySet<string>,
  progress: MutableProgress,
): Promise<boolean> {
  const layout = lakeLayout(options.lakeDir);
  const batches = batchArchive(todo, options.workers, options.batchLimits);
  if (batches.length === 0) return false;
  const abortFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(abortFlag);
  const onAbort = (): void => {
    Atomics.store(flag, 0, 1);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const scratchRoot = await makeScratchRoot(defaultScratchBase(options.workers));
  let commits = Promise.resolve();
  let commitError: Error | undefined;
  const inFlight = new Set<Promise<void>>();
  try {
    for (let taskId = 0; taskId < batches.length; taskId++) {
      if (Atomics.load(flag, 0) !== 0 || commitError !== undefined) break;
      const objects = batches[taskId] ?? [];
      const task: IngestTask = {
        taskId,
        objects: objects.map((o, index) => ({
          index,
          uri: o.uri,
          location: o.location,
          size: o.size,
        })),
        stagingDir: path.join(layout.stagingDir, `r${runId}-t${taskId}`),
        scratchDir: path.join(scratchRoot, `t${taskId}`),
        abortFlag,
        memoryLimit: options.workerMemoryLimit ?? DEFAULT_WORKER_MEMORY,
        partPrefix: `part-r${runId}-t${taskId}`,
        s3: options.s3,
        scratchLimits: options.scratchLimits ?? DEFAULT_SCRATCH_LIMITS,
      };
      const running = pool
        .run(task)
        .catch((error: unknown): TaskResult => {
          const fault = machineFault(error);
          if (fault === undefined) return failedTask(task, error);
          commitError ??= new CtlakeError(
            'MACHINE_FAULT',
            `ingest stopped: ${fault} (scratch files in ${scratchRoot}, lake in ${layout.root}; CTLAKE_SCRATCH_DIR moves the scratch)`,
            { cause: error },
          );
          Atomics.store(flag, 0, 1);
          return { taskId: task.taskId, outcomes: [], parts: [], aborted: true };
        })
        .then((result) => {
          commits = commits.then(async () => {
            if (commitError !== undefined || result.aborted) return;
            try {
              await commitResult(catalog, task, runId, objects, changed, result, progress, options);
            } catch (error) {
              commitError = error instanceof Error ? error : new Error(firstLine(error));
              Atomics.store(flag, 0, 1);
            }
          });
          return commits;
        });
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
      // Keep the queue short so that an interrupt never has to wait for queued work.
      if (inFlight.size > options.workers) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await commits;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await rm(scratchRoot, { recursive: true, force: true });
  }
  if (commitError !== undefined) throw commitError;
  return Atomics.load(flag, 0) !== 0;
}

function failedTask(task: IngestTask, error: unknown): TaskResult {
  const line = firstLine(error);
  const reason = isOutOfMemory(error)
    ? `needs more memory than the worker's limit of ${task.memoryLimit} (raise --worker-memory): ${line}`
    : `internal error: ${line}`;
  return {
    taskId: task.taskId,
    outcomes: task.objects.map((o) => ({
      index: o.index,
      events: 0,
      decodedBytes: 0,
      error: reason,
    })),
    parts: [],
    aborted: false,
  };
}

async function commitResult(
  catalog: Catalog,
  task: IngestTask,
  runId: number,
  objects: readonly TrailObject[],
  changed: ReadonlySet<string>,
  result: TaskResult,
  progress: MutableProgress,
  options: IngestOptions,
): Promise<void> {
  const committed: CommittedObject[] = [];
  const failed: FailedObject[] = [];
  for (const outcome of result.outcomes) {
    const object = objects[outcome.index];
    if (!object) continue;
    if (outcome.error !== undefined) {
      failed.push({
        uri: object.uri,
        size: object.size,
        version: object.version,
        reason: outcome.error,
      });
    } else {
      committed.push({
        uri: object.uri,
        size: object.size,
        version: object.version,
        kind: object.key.kind,
        events: outcome.events,
        ...(outcome.sha256 === undefined ? {} : { sha256: outcome.sha256 }),
      });
    }
  }
  const parts: CommittedPart[] = [...result.parts];
  const replaced = committed.filter((o) => changed.has(o.uri)).map((o) => o.uri);
  await catalog.commitTask({
    runId,
    parts,
    objects: committed,
    failures: failed,
    replaced,
    stagingDir: `${task.stagingDir}-rewrite`,
    partPrefix: `${task.partPrefix}-rewrite`,
  });
  progress.replaced += replaced.length;
  for (const f of failed) options.onObjectError?.(f.uri, f.reason);
  progress.objectsDone += result.outcomes.length;
  progress.bytesDone += objects.reduce((n, o) => n + o.size, 0);
  progress.events += committed.reduce((n, o) => n + o.events, 0);
  progress.decodedBytes += result.outcomes.reduce((n, o) => n + o.decodedBytes, 0);
  progress.errors += failed.length;
  options.onProgress?.({ ...progress });
}
