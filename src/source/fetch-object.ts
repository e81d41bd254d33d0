/**
 * Reads the stored bytes of an object. Runs inside ingest workers, so the bytes never cross a
 * thread boundary.
 *
 * For S3, the listed ETag is required (`If-Match`), so a run reads exactly the version it planned
 * with. The SDK retries throttling, 5xx and resets before the response; a body that breaks off
 * or comes back short after the response started is this module's to retry: the object is read
 * again from the start, which cannot duplicate rows because nothing of an object is kept until
 * it has been read whole.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { firstLine } from '../errors.js';
import type { S3Settings } from './s3-settings.js';
import type { ObjectLocation } from './trail-object.js';

/** The object cannot be fetched; `message` is the reason, for one line. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
}

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

/** S3 answers that retrying will not change. */
function isFinal(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

function reasonOf(error: unknown): string {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status === 403) return 'access denied (403)';
  if (status === 404) return 'no such object (404): deleted since it was listed';
  if (status === 412) return 'changed since it was listed (ETag differs); run the ingest again';
  return firstLine(error);
}

async function getOnce(
  client: S3Client,
  bucket: string,
  key: string,
  etag: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const response = await client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
    signal ? { abortSignal: signal } : {},
  );
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  if (!body) throw new Error('empty response body');
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    length += chunk.byteLength;
  }
  const expected = response.ContentLength;
  if (expected !== undefined && length !== expected) {
    throw new Error(`body ended after ${length} of ${expected} bytes`);
  }
  return Buffer.concat(chunks, length);
}

async function fetchS3(
  location: Extract<ObjectLocation, { kind: 's3' }>,
  settings: S3Settings,
  signal?: AbortSignal,
): Promise<Buffer> {
  const client = await clientFor(settings);
  let last: unknown;
  for (let attempt = 1; attempt <= BODY_ATTEMPTS; attempt++) {
    try {
      return await getOnce(client, location.bucket, location.key, location.etag, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      if (isFinal(error)) throw new FetchError(reasonOf(error), { cause: error });
      last = error;
      await sleep(BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
  throw new FetchError(`failed after ${BODY_ATTEMPTS} attempts: ${reasonOf(last)}`, {
    cause: last,
  });
}

export async function fetchObjectBytes(
  location: ObjectLocation,
  s3?: S3Settings,
  signal?: AbortSignal,
): Promise<Buffer> {
  switch (location.kind) {
    case 'file':
      // Synchronous on purpose: the worker thread has nothing else to do meanwhile, and four
      // thread-pool round trips per file (open, stat, read, close) cost more than small reads.
      return readFileSync(location.path);
    case 's3':
      return fetchS3(location, s3 ?? { forcePathStyle: false }, signal);
    default:
      return location satisfies never;
  }
}
