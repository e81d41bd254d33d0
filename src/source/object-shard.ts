/**
 * `--shard i/n`: n machines each ingest a share of one archive, with no coordinator and nothing
 * shared between them. An object's shard depends only on its own name, so adding objects to the
 * archive never moves one that is already there (a re-run of each shard stays incremental), and
 * the name is taken so that two copies of the archive at different places split the same:
 *
 * - inside CloudTrail's layout, the path from its last `AWSLogs` segment on
 *   (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>`, with the org ID when there is one):
 *   the same for the bucket, for `ctlake download`'s copy and for a copy under any other prefix;
 * - outside it, the object's `archiveKey`: the S3 key, or a file's path under the directory (or
 *   the glob's fixed part) the source names; a file named on its own, its file name.
 *
 * The shard is the first 8 bytes of SHA-256 of that name's UTF-8, read as a big-endian unsigned
 * integer, modulo n: spread evenly whatever the names look like, and reproducible in any language.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { TrailObject } from './trail-object.js';

/** One share of a split: the objects whose name hashes to `index` modulo `count`. */
export interface Shard {
  /** Which share, from 0 to count − 1. */
  readonly index: number;
  /** How many shares the objects are split into, at least 1. */
  readonly count: number;
}

/** What a shard must be, for the one-line refusal of one that is not. */
export const SHARD_RULE = 'expected i/n, whole numbers with 0 ≤ i < n (e.g. 0/4)';

function isValid({ index, count }: Shard): boolean {
  return Number.isSafeInteger(index) && Number.isSafeInteger(count) && index >= 0 && index < count;
}

/** Refuses a shard that is not one (a UsageError naming it). */
export function checkShard(shard: Shard): void {
  if (!isValid(shard)) {
    throw new UsageError(`--shard ${String(shard.index)}/${String(shard.count)}: ${SHARD_RULE}`);
  }
}

/** `0/4` → { index: 0, count: 4 }; undefined for anything that is not a valid shard. */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
  return shard !== undefined && isValid(shard) ? shard : undefined;
}

/**
 * The path of an object from its last `AWSLogs` segment on, the same wherever the archive is
 * kept; undefined outside CloudTrail's layout. (merge-sql.ts's OBJECT_IDENTITY_SQL is this rule
 * in SQL, for a catalog's objects.)
 */
export function trailRelativeName(uri: string): string | undefined {
  const parts = uri.split(/[\\/]/);
  const at = parts.lastIndexOf('AWSLogs');
  return at >= 0 ? parts.slice(at).join('/') : undefined;
}

/** The name an object is sharded by (see the top of this file). */
export function shardKey(object: TrailObject): string {
  return trailRelativeName(object.uri) ?? object.archiveKey ?? object.uri;
}

/** Which of `count` shards the name `key` falls in. */
export function shardOf(key: string, count: number): number {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

export function inShard(object: TrailObject, shard: Shard): boolean {
  return shard.count === 1 || shardOf(shardKey(object), shard.count) === shard.index;
}
