/**
 * `ctlake download s3://bucket/prefix --out DIR`: mirrors a trail's archive to disk, key for key
 * (`DIR/<key>`, as `aws s3 sync s3://bucket DIR` lays it out), with one thing `aws s3 sync`
 * cannot keep: the signature CloudTrail stores in each digest's S3 metadata, written beside the
 * digest as `<digest>.metadata.json` in the shape `aws s3api head-object` prints. Acquisition and
 * verification are then one tool, and `ctlake verify DIR` works with no network.
 *
 * Each object is written aside and renamed into place, so an interrupted download leaves whole
 * files only; a second run skips the files already there with their listed size (and, for a
 * digest, its sidecar). A key that would land outside DIR (`..`, an absolute path) is refused.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UsageError, firstLine } from '../errors.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { ObjectSelection } from './object-filter.js';
import { parseObjectFilter } from './object-filter.js';
import { s3Settings, type S3Options } from './open-sources.js';
import { S3Source } from './s3.js';
import { isS3Uri } from './s3-settings.js';
import { SIGNATURE_SIDECAR } from './trail-key.js';
import type { TrailObject } from './trail-object.js';

export interface DownloadOptions extends ObjectSelection {
  /** `s3://bucket[/prefix]`. */
  readonly source: string;
  readonly outDir: string;
  readonly s3?: S3Options;
  readonly signal?: AbortSignal;
  readonly concurrency?: number;
  /** Called after each object, written or skipped. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DownloadSummary {
  readonly objects: number;
  readonly written: number;
  readonly skipped: number;
  readonly digests: number;
  readonly bytes: number;
  readonly failures: { readonly key: string; readonly reason: string }[];
}

/** Where a key goes under `outDir`, or undefined when it would leave it. */
function targetFor(outDir: string, key: string): string | undefined {
  if (
    key.startsWith('/') ||
    key.split('/').some((s) => s === '..' || s === '.') ||
    key.includes('\\')
  ) {
    return undefined;
  }
  const target = path.resolve(outDir, key);
  return target.startsWith(outDir + path.sep) ? target : undefined;
}

async function present(file: string, size: number, sidecar: boolean): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  if (info?.size !== size) return false;
  return (
    !sidecar || (await stat(`${file}${SIGNATURE_SIDECAR}`).catch(() => undefined)) !== undefined
  );
}

async function fetchTo(
  client: S3Client,
  object: TrailObject,
  file: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  if (object.location.kind !== 's3') throw new Error('not an S3 object');
  const { bucket, key, etag } = object.location;
  const response = await client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
    signal ? { abortSignal: signal } : {},
  );
  const body = response.Body as NodeJS.ReadableStream | undefined;
  if (!body) throw new Error('empty response body');
  await mkdir(path.dirname(file), { recursive: true });
  const aside = `${file}.${String(process.pid)}.part`;
  try {
    await pipeline(body, createWriteStream(aside), signal ? { signal } : {});
    const written = (await stat(aside)).size;
    if (response.ContentLength !== undefined && written !== response.ContentLength) {
      throw new Error(
        `body ended after ${String(written)} of ${String(response.ContentLength)} bytes`,
      );
    }
    await rename(aside, file);
  } catch (error) {
    await rm(aside, { force: true });
    throw error;
  }
  // What `aws s3api head-object` prints, for verify to read the signature from.
  return {
    AcceptRanges: response.AcceptRanges,
    LastModified: response.LastModified?.toISOString(),
    ContentLength: response.ContentLength,
    ETag: response.ETag,
    ContentType: response.ContentType,
    ServerSideEncryption: response.ServerSideEncryption,
    Metadata: response.Metadata ?? {},
  };
}

const ATTEMPTS = 3;

export async function download(options: DownloadOptions): Promise<DownloadSummary> {
  if (!isS3Uri(options.source)) {
    throw new UsageError(`download reads s3:// prefixes, not ${options.source}`);
  }
  const outDir = path.resolve(options.outDir);
  await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
    throw new UsageError(`cannot create --out ${options.outDir}: ${firstLine(error)}`);
  });
  const source = S3Source.fromUri(
    options.source,
    s3Settings(options.s3),
    parseObjectFilter(options),
    true,
  );
  const objects: TrailObject[] = [];
  for await (const object of source.list(options.signal)) objects.push(object);
  const failures: { key: string; reason: string }[] = [];
  let written = 0;
  let skipped = 0;
  let digests = 0;
  let bytes = 0;
  let done = 0;
  await mapConcurrent(objects, options.concurrency ?? 8, async (object) => {
    const key = object.location.kind === 's3' ? object.location.key : object.uri;
    const file = targetFor(outDir, key);
    const isDigest = object.key.kind === 'digest';
    try {
      if (file === undefined) throw new Error('its key would be written outside --out');
      if (await present(file, object.size, isDigest)) {
        skipped++;
      } else {
        let head: Record<string, unknown> | undefined;
        for (let attempt = 1; head === undefined; attempt++) {
          try {
            head = await fetchTo(source.client, object, file, options.signal);
          } catch (error) {
            if (options.signal?.aborted || attempt >= ATTEMPTS) throw error;
          }
        }
        if (isDigest) {
          await writeFile(`${file}${SIGNATURE_SIDECAR}`, JSON.stringify(head, null, 4) + '\n');
        }
        written++;
        bytes += object.size;
      }
      if (isDigest) digests++;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      failures.push({ key: object.uri, reason: firstLine(error) });
    }
    options.onProgress?.(++done, objects.length);
  });
  return { objects: objects.length, written, skipped, digests, bytes, failures };
}
