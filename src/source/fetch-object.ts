/**
 * Reads the stored bytes of an object. Runs inside ingest workers, so the bytes never cross a
 * thread boundary. An object of usual size is read whole (fastest); a larger one is opened as a
 * stream and read piece by piece, so that a worker never holds it whole.
 *
 * For S3, the listed ETag is required (`If-Match`), so a run reads exactly the version it planned
 * with. The SDK retries throttling, 5xx and resets before the response; a body that breaks off
 * or comes back short after the response started is this module's to retry: an object read
 * whole is read again from the start, which cannot duplicate rows because nothing of it is kept
 * until it has been read whole. A streamed object's reader retries it the same way, after
 * dropping what it kept of the broken read (`BodyReadError` tells it the body broke).
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { errnoReason, firstLine } from '../errors.js';
import { isFinalS3Error, s3HttpStatus } from './s3-errors.js';
import type { S3Settings } from './s3-settings.js';
import type { ObjectLocation } from './trail-object.js';

/** The object cannot be fetched; `message` is the reason, for one line. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
}

/** A streamed body broke off part way; reading the object again from the start may succeed. */
export class BodyReadError extends Error {
  override readonly name = 'BodyReadError';
}

/** A stored object larger than this is streamed rather than read whole. */
export const WHOLE_OBJECT_BYTES = 16 * 1024 * 1024;

/** An object opened for reading piece by piece; `open` may be called again to read it anew. */
export interface StreamedBody {
  readonly size: number;
  open(): AsyncIterable<Buffer>;
}

/** An object's stored bytes: whole, or a stream for a large one. */
export type ObjectBody = Buffer | StreamedBody;

export const BODY_ATTEMPTS = 5;
const BACKOFF_MS = 200;

/**
 * One client per settings, shared by the reads running at once. The AWS SDK is loaded on the
 * first S3 read: importing it costs each worker thread ~100 ms at start, which an ingest of local
 * files would pay for nothing.
 */
const clients = new Map<string, Promise<S3Client>>();

function clientFor(settings: S3Settings): Promise<S3Client> {
  const id = JSON.stringify(settings);
  let client = clients.get(id);
  if (!client) {
    client = import('./s3-client.js').then(({ createS3Client }) => createS3Client(settings));
    clients.set(id, client);
  }
  return client;
}

function reasonOf(error: unknown): string {
  const status = s3HttpStatus(error);
  if (status === 403) return 'access denied (403)';
  if (status === 404) return 'no such object (404): deleted since it was listed';
  if (status === 412) return 'changed since it was listed (ETag differs); run the ingest again';
  return firstLine(error);
}

type S3Location = Extract<ObjectLocation, { kind: 's3' }>;

/** One GET of the object; its body's chunks, checked against the length S3 announced. */
async function* getOnce(
  client: S3Client,
  { bucket, key, etag }: S3Location,
  signal?: AbortSignal,
  onMetadata?: (metadata: Readonly<Record<string, string>>) => void,
): AsyncGenerator<Buffer> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const response = await client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
    signal ? { abortSignal: signal } : {},
  );
  onMetadata?.(response.Metadata ?? {});
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  if (!body) throw new Error('empty response body');
  let length = 0;
  for await (const chunk of body) {
    length += chunk.byteLength;
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  const expected = response.ContentLength;
  if (expected !== undefined && length !== expected) {
    throw new Error(`body ended after ${length} of ${expected} bytes`);
  }
}

async function getWhole(
  client: S3Client,
  location: S3Location,
  signal?: AbortSignal,
  onMetadata?: (metadata: Readonly<Record<string, string>>) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bodyChunks(getOnce(client, location, signal, onMetadata), true))
    chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Runs `attempt` (a whole read of the object) again while its body breaks off (`BodyReadError`),
 * until it succeeds, S3 gives a final answer, or the attempts run out.
 */
export async function withBodyRetries<T>(
  attempt: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let last: unknown;
  for (let n = 1; n <= BODY_ATTEMPTS; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted || !(error instanceof BodyReadError)) throw error;
      const cause = error.cause;
      if (isFinalS3Error(cause)) throw new FetchError(reasonOf(cause), { cause });
      last = cause;
      if (n < BODY_ATTEMPTS) await sleep(BACKOFF_MS * 2 ** (n - 1) * (0.5 + Math.random()));
    }
  }
  throw new FetchError(`failed after ${BODY_ATTEMPTS} attempts: ${reasonOf(last)}`, {
    cause: last,
  });
}

/**
 * Chunks of a stored object. Any error of the source is the transfer's, not the content's: a
 * `BodyReadError` when reading again may help (S3), else a `FetchError` (a local disk).
 */
async function* bodyChunks(
  source: AsyncIterable<Buffer>,
  retryable: boolean,
): AsyncGenerator<Buffer> {
  try {
    yield* source;
  } catch (error) {
    const reason = retryable ? reasonOf(error) : errnoReason(error);
    throw retryable
      ? new BodyReadError(reason, { cause: error })
      : new FetchError(reason, { cause: error });
  }
}

/**
 * Opens an object for reading. `size` is its stored size as listed: an object above
 * WHOLE_OBJECT_BYTES is streamed.
 */
export async function openObject(
  location: ObjectLocation,
  size: number,
  s3?: S3Settings,
  signal?: AbortSignal,
): Promise<ObjectBody> {
  switch (location.kind) {
    case 'file': {
      // Synchronous on purpose: the worker thread has nothing else to do meanwhile, and four
      // thread-pool round trips per file (open, stat, read, close) cost more than small reads.
      const stored = statSync(location.path).size;
      if (stored <= WHOLE_OBJECT_BYTES) return readFileSync(location.path);
      return {
        size: stored,
        open: () =>
          bodyChunks(createReadStream(location.path, { highWaterMark: 1024 * 1024 }), false),
      };
    }
    case 's3': {
      const client = await clientFor(s3 ?? { forcePathStyle: false });
      if (size <= WHOLE_OBJECT_BYTES) {
        return withBodyRetries(() => getWhole(client, location, signal), signal);
      }
      return { size, open: () => bodyChunks(getOnce(client, location, signal), true) };
    }
    default:
      return location satisfies never;
  }
}

/** An object read whole, with its S3 user metadata (none for a file). */
export interface WholeObject {
  readonly bytes: Buffer;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Reads an object whole, whatever its size, with its S3 metadata: for verify, which holds one
 * compressed object at a time (CloudTrail's are a few MB) and needs a digest's signature, which
 * S3 keeps as metadata. A read failure is a FetchError whose message is the reason.
 */
export async function readWholeObject(
  location: ObjectLocation,
  s3?: S3Settings,
  signal?: AbortSignal,
): Promise<WholeObject> {
  switch (location.kind) {
    case 'file':
      try {
        return { bytes: await readFile(location.path), metadata: {} };
      } catch (error) {
        throw new FetchError(errnoReason(error), { cause: error });
      }
    case 's3': {
      const client = await clientFor(s3 ?? { forcePathStyle: false });
      let metadata: Readonly<Record<string, string>> = {};
      try {
        const bytes = await withBodyRetries(
          () =>
            getWhole(client, location, signal, (m) => {
              metadata = m;
            }),
          signal,
        );
        return { bytes, metadata };
      } catch (error) {
        if (error instanceof FetchError || signal?.aborted) throw error;
        throw new FetchError(reasonOf(error), { cause: error });
      }
    }
    default:
      return location satisfies never;
  }
}
