import type { TrailObject } from './trail-object.js';

/**
 * Something a listing went past without listing it: a folder it could not read (the rest of the
 * source is still listed), or a symbolic link to a directory, which is not followed (a link to
 * `..` would list the same files again and again, and one to `/` the whole machine).
 */
export interface ListingProblem {
  readonly kind: 'unreadable' | 'not-followed';
  /** The folder or link, as a path or URI. */
  readonly place: string;
  readonly reason: string;
}

/**
 * A place CloudTrail objects are listed from: a set of local paths and globs, or an S3 prefix.
 * Listing is lazy and cancellable; fetching the bytes is the workers' job (`fetch-object.ts`),
 * so a source only has to say what exists.
 */
export interface TrailSource {
  /** What the user typed, for messages. */
  readonly description: string;
  list(
    signal?: AbortSignal,
    onProblem?: (problem: ListingProblem) => void,
  ): AsyncIterable<TrailObject>;
}
