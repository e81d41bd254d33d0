import type { TrailObject } from './trail-object.js';

/**
 * A place CloudTrail objects are listed from: a set of local paths and globs, or an S3 prefix.
 * Listing is lazy and cancellable; fetching the bytes is the workers' job (`fetch-object.ts`),
 * so a source only has to say what exists.
 */
export interface TrailSource {
  /** What the user typed, for messages. */
  readonly description: string;
  list(signal?: AbortSignal): AsyncIterable<TrailObject>;
}
