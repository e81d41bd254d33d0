import type { TrailKey } from './trail-key.js';

/** Where the bytes of an object live; workers fetch them, the main thread never does. */
export type ObjectLocation =
  | { readonly kind: 'file'; readonly path: string }
  /** `etag` is the version that was listed; a fetch reads exactly that version or fails. */
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string; readonly etag: string };

/** One listed source object: a CloudTrail log, Insight or digest file, on disk or in S3. */
export interface TrailObject {
  /** Absolute file path or `s3://bucket/key`: the object's identity and its rows' provenance. */
  readonly uri: string;
  readonly location: ObjectLocation;
  /** Bytes as stored (compressed). */
  readonly size: number;
  /** Changes when the content may have changed: mtime for files, ETag for S3. */
  readonly version: string;
  readonly key: TrailKey;
  /**
   * The object's name within its archive, the same on every copy of it, `/`-separated: the S3
   * key, or a file's path under the directory (or the glob's fixed part) its source names; a file
   * named on its own, its file name. `--shard` hashes it outside CloudTrail's layout
   * (object-shard.ts); a source of one's own that leaves it out is sharded by `uri`.
   */
  readonly archiveKey?: string;
}
