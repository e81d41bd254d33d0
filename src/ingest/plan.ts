/**
 * Planning: which listed objects need reading, and how they are grouped into worker tasks.
 */
import type { CatalogedObject } from '../lake/catalog.js';
import { inShard, type Shard } from '../source/object-shard.js';
import type { TrailObject } from '../source/trail-object.js';
import { SIGNATURE_SIDECAR } from '../source/trail-key.js';

export interface IngestPlan {
  /** Objects to read, in key order. */
  readonly todo: readonly TrailObject[];
  /** Objects already in the lake at the listed version. */
  readonly unchanged: number;
  /** Objects in the lake whose version changed since; their old rows are replaced. */
  readonly changed: readonly TrailObject[];
  /** Digest files: listed and skipped, never parsed as events. */
  readonly digests: number;
  /** Objects of events left to the other shards of a `--shard` split: not read, not recorded. */
  readonly otherShards: number;
}

export function planIngest(
  listed: Iterable<TrailObject>,
  known: ReadonlyMap<string, CatalogedObject>,
  shard?: Shard,
): IngestPlan {
  const todo: TrailObject[] = [];
  const changed: TrailObject[] = [];
  let unchanged = 0;
  let digests = 0;
  let otherShards = 0;
  const seen = new Set<string>();
  for (const object of listed) {
    if (seen.has(object.uri)) continue;
    seen.add(object.uri);
    if (object.key.kind === 'digest') {
      // A digest's signature sidecar is part of the digest, not a second one.
      if (!object.uri.endsWith(SIGNATURE_SIDECAR)) digests++;
      continue;
    }
    // After the digests, which no shard reads: every shard counts them alike.
    if (shard !== undefined && !inShard(object, shard)) {
      otherShards++;
      continue;
    }
    const before = known.get(object.uri);
    if (before?.version === object.version) {
      unchanged++;
      continue;
    }
    if (before) changed.push(object);
    todo.push(object);
  }
  todo.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  return { todo, unchanged, changed, digests, otherShards };
}

export interface BatchLimits {
  /** Stored bytes per task; the work per task is about proportional to them. */
  readonly maxBytes: number;
  readonly maxObjects: number;
  /**
   * Delivery days (from the keys) per task. A sparse trail (one small file a day) would otherwise
   * put most of a year into one batch: a partitioned COPY keeps buffers for every day it has open
   * and ran out of memory, then wrote the days again a few at a time.
   */
  readonly maxDays: number;
  /**
   * Where to cut when the archive's size is known: a batch ends before the object whose middle
   * would pass it, so that batches come out about this size (`maxBytes` stays the hard bound).
   */
  readonly targetBytes?: number;
}

/**
 * Every task pays a fixed cost (a DuckDB instance, planning the statement, a Parquet writer and
 * footer per day file), so tasks are large: 16 MB of gzip and up to 1,024 objects (quiet regions
 * deliver files of a few events). DuckDB streams the task, so the worker's memory does not grow
 * with it, but its scratch file does: ~140 MB of JSON per worker, on tmpfs where there is one.
 * Against 4 MB and 256 objects, on the benchmark archives: 15–20% faster, peak RSS +50 MB; 32 MB
 * was no faster.
 * 32 days: on a year of one or two small files a day, 2 workers, peak RSS 280 MB in the time the
 * out-of-memory retry took at 450 MB; 16 days was 15% slower (more tasks), 64 slower still (a
 * COPY with many open days) at 400 MB.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxObjects: 1024,
  maxDays: 32,
};

/** A task under this is mostly fixed cost (a DuckDB instance, planning, a Parquet footer). */
const MIN_TARGET_BYTES = 1024 * 1024;

/**
 * The limits for an archive of `totalBytes` read by `workers`: as many tasks as the size cap
 * needs, rounded up to a multiple of the workers and of even size, so that every worker gets the
 * same share and none waits alone on the last task. A fixed cut at the cap left a worker idle on
 * mid-size archives: 82 MB in 16 MB cuts is five full tasks and a small one for 2 workers, one of
 * which then ran the sixth alone (cores busy 85% of the run, issue 19).
 */
export function batchLimitsFor(
  totalBytes: number,
  workers: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): BatchLimits {
  const rounds = Math.max(1, Math.ceil(totalBytes / (workers * limits.maxBytes)));
  const target = Math.ceil(totalBytes / (rounds * Math.max(1, workers)));
  return { ...limits, targetBytes: Math.min(limits.maxBytes, Math.max(MIN_TARGET_BYTES, target)) };
}

/**
 * The tasks of an ingest: `objects` cut in order by `limits`, or, by default, by the limits
 * batchLimitsFor gives their total size and the workers.
 */
export function batchArchive<
  T extends { readonly size: number; readonly key?: { readonly day?: string } },
>(objects: readonly T[], workers: number, limits?: BatchLimits): T[][] {
  const total = objects.reduce((sum, o) => sum + o.size, 0);
  return batchObjects(objects, limits ?? batchLimitsFor(total, workers));
}

/** Cuts the objects, in order, into batches within the limits (an oversized object goes alone). */
export function batchObjects<
  T extends { readonly size: number; readonly key?: { readonly day?: string } },
>(objects: readonly T[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  const days = new Set<string>();
  // Target cuts fall at multiples of the target over the whole list (not per batch), so the
  // rounding of one batch does not carry into the next and leave a small last one.
  const target = limits.targetBytes;
  let position = 0;
  let nextCut = target ?? Infinity;
  for (const object of objects) {
    const day = object.key?.day;
    const newDay = day !== undefined && !days.has(day);
    const middle = position + object.size / 2;
    if (
      current.length > 0 &&
      (bytes + object.size > limits.maxBytes ||
        middle > nextCut ||
        current.length >= limits.maxObjects ||
        (newDay && days.size >= limits.maxDays))
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
      days.clear();
      if (target !== undefined) nextCut = (Math.floor(middle / target) + 1) * target;
    }
    current.push(object);
    bytes += object.size;
    position += object.size;
    if (day !== undefined) days.add(day);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
