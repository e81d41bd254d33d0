/**
 * `push`: puts a lake on S3 so Athena (or Trino, Spark) queries it in place, with the table
 * `ctlake ddl --location s3://bucket/prefix` prints. What is uploaded is what queries read: the
 * live parts, as `<prefix>/events/event_date=…/<part>.parquet`, then a manifest
 * (`<prefix>/ctlake-manifest.json`) listing them with their rows and SHA-256. Never staging, never
 * the catalog.
 *
 * Parts are immutable and uniquely named, so a push uploads only parts the prefix does not hold
 * yet: a part is there when an object of its key has its size and the SHA-256 ctlake recorded
 * when the part was written (kept in the object's metadata). An interrupted push (a cut
 * connection, Ctrl-C) is resumed by running it again; a push with nothing new uploads nothing.
 * Each part goes up in one PUT carrying that SHA-256 as its checksum, which S3 checks, so a
 * part is in the bucket whole and unaltered or not at all.
 *
 * Athena reads every file under the table's location, so once the manifest is written, objects
 * under `<prefix>/events/` that are no longer live parts (days compacted since the last push)
 * are deleted: `<prefix>/events/` belongs to the lake.
 *
 * The push reads a snapshot of the catalog and holds a reader lease while it uploads, so an
 * ingest or compact may run meanwhile without removing a part under it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { DEFAULT_LAKE_DIR } from '../defaults.js';
import { CtlakeError, UsageError, firstLine } from '../errors.js';
import { readCatalogFacts } from '../lake/catalog-facts.js';
import { lakeLayout } from '../lake/layout.js';
import { takeReaderLease } from '../lake/reader-leases.js';
import { s3Settings, type S3Options } from '../source/open-sources.js';
import { createS3Client } from '../source/s3-client.js';
import { isFinalS3Error, s3HttpStatus } from '../source/s3-errors.js';
import { parseS3Uri } from '../source/s3-settings.js';
import { mapConcurrent } from '../util/concurrency.js';
import { sha256File } from '../util/file-hash.js';
import { packageVersion } from '../util/package-files.js';

export interface PushOptions {
  /** The lake directory (default `ctlake-lake`). */
  readonly lakeDir?: string;
  /** `s3://bucket[/prefix]`: the folder that will hold `events/` and the manifest. */
  readonly destination: string;
  readonly s3?: S3Options;
  /** Parts uploaded at once (default 4). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Called after each part, uploaded or found already there. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface PushSummary {
  /** The lake's live parts, all now under `<prefix>/events/`. */
  readonly parts: number;
  readonly uploaded: number;
  readonly uploadedBytes: number;
  /** Parts the prefix already held whole. */
  readonly alreadyThere: number;
  /** Objects under `<prefix>/events/` that were no live part, deleted. */
  readonly removed: number;
  readonly events: number;
  /** `s3://…/ctlake-manifest.json`. */
  readonly manifest: string;
}

export const PUSH_MANIFEST = 'ctlake-manifest.json';
const MANIFEST_FORMAT = 'ctlake-push/1';
const PART_HASH_METADATA = 'ctlake-sha256';
const ATTEMPTS = 4;

/** What `<prefix>/ctlake-manifest.json` holds. */
export interface PushManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly ctlakeVersion: string;
  /** The pushed lake's identity: a prefix holds one lake. */
  readonly lakeId: string | null;
  /** ISO 8601 UTC. */
  readonly pushedAt: string;
  readonly events: number;
  readonly parts: readonly {
    /** Key relative to the prefix, `events/event_date=…/….parquet`. */
    readonly key: string;
    readonly rows: number;
    readonly bytes: number;
    readonly sha256: string;
  }[];
}

interface PartToPush {
  readonly file: string;
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** The options of every request a push sends: its abort signal, when it has one. */
interface SendOptions {
  readonly abortSignal?: AbortSignal;
}

/** The objects under `prefix` with their sizes. */
async function listSizes(
  client: S3Client,
  bucket: string,
  prefix: string,
  send: SendOptions,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const pages = paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix }, send);
  for await (const page of pages) {
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) sizes.set(object.Key, object.Size ?? 0);
    }
  }
  return sizes;
}

/** Whether the object at `key` is the part: its size and recorded hash (its metadata). */
async function holdsPart(
  client: S3Client,
  bucket: string,
  part: PartToPush,
  listedSize: number | undefined,
  send: SendOptions,
): Promise<boolean> {
  if (listedSize !== part.bytes) return false;
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: part.key }), send);
  return head.Metadata?.[PART_HASH_METADATA] === part.sha256;
}

/** One part up, in one PUT from a fresh read of its file (a stream cannot be sent twice). */
async function upload(
  client: S3Client,
  bucket: string,
  part: PartToPush,
  send: SendOptions,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: part.key,
          Body: createReadStream(part.file),
          ContentLength: part.bytes,
          ContentType: 'application/vnd.apache.parquet',
          ChecksumSHA256: Buffer.from(part.sha256, 'hex').toString('base64'),
          Metadata: { [PART_HASH_METADATA]: part.sha256, 'ctlake-rows': String(part.rows) },
        }),
        send,
      );
      return;
    } catch (error) {
      if (send.abortSignal?.aborted || isFinalS3Error(error) || attempt >= ATTEMPTS) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}

/** The lake ID in the prefix's manifest: undefined without one, null in one that has none. */
async function pushedLake(
  client: S3Client,
  bucket: string,
  key: string,
  send: SendOptions,
): Promise<string | null | undefined> {
  let text: string;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), send);
    text = (await response.Body?.transformToString()) ?? '';
  } catch (error) {
    if (s3HttpStatus(error) === 404) return undefined;
    throw error;
  }
  try {
    const manifest = JSON.parse(text) as Partial<PushManifest>;
    return typeof manifest.lakeId === 'string' ? manifest.lakeId : null;
  } catch {
    return null;
  }
}

function destinationOf(text: string): { bucket: string; prefix: string } {
  const location = parseS3Uri(text);
  if (location === undefined) {
    throw new UsageError(`push: ${text} is not an S3 location (expected s3://bucket[/prefix])`);
  }
  const trimmed = location.prefix.replace(/\/+$/, '');
  return { bucket: location.bucket, prefix: trimmed === '' ? '' : `${trimmed}/` };
}

/** The lake's live parts as committed, each with its recorded SHA-256 (computed if not recorded). */
async function partsToPush(
  lakeDir: string,
  prefix: string,
): Promise<{ parts: PartToPush[]; lakeId: string | null; release: () => void }> {
  const layout = lakeLayout(lakeDir);
  const lease = takeReaderLease(layout);
  try {
    const read = await readCatalogFacts(layout);
    if (!read.ok) throw new CtlakeError('LAKE_BUSY', `push: ${layout.root}: ${read.reason}`);
    const parts: PartToPush[] = [];
    for (const part of read.facts.parts) {
      const file = path.join(layout.eventsDir, part.part);
      // A part deleted or cut short by hand is the lake's fault, not the network's: said before
      // anything is sent, rather than after an upload of it fails.
      const size = (await stat(file).catch(() => undefined))?.size;
      if (size !== part.bytes) {
        throw new CtlakeError(
          'LAKE_INVALID',
          `push: lake ${layout.root} is damaged: its part ${part.part} ${size === undefined ? 'is missing' : `has ${String(size)} bytes, ${String(part.bytes)} recorded`} (nothing pushed)`,
        );
      }
      parts.push({
        file,
        key: `${prefix}events/${part.part.split(/[\\/]/).join('/')}`,
        rows: part.rows,
        bytes: part.bytes,
        sha256: part.sha256 ?? (await sha256File(file)),
      });
    }
    return {
      parts,
      lakeId: read.facts.lakeId,
      release: () => {
        lease.release();
      },
    };
  } catch (error) {
    lease.release();
    throw error;
  }
}

/**
 * Uploads the lake's live parts that `destination` does not hold yet, then the manifest, then
 * deletes what else is under `<prefix>/events/`. Throws UsageError for a destination that is no
 * S3 location, CtlakeError for a lake that is missing or busy and (SOURCE_UNREACHABLE) when S3
 * refuses or cannot be reached; what was uploaded stays, and the next push resumes from there.
 */
export async function push(options: PushOptions): Promise<PushSummary> {
  const { bucket, prefix } = destinationOf(options.destination);
  const where = `s3://${bucket}/${prefix}`;
  const { parts, lakeId, release } = await partsToPush(options.lakeDir ?? DEFAULT_LAKE_DIR, prefix);
  const client = createS3Client(s3Settings(options.s3), { maxAttempts: 1 });
  const signal = options.signal;
  const send: SendOptions = signal ? { abortSignal: signal } : {};
  const failed = (what: string, error: unknown): CtlakeError =>
    signal?.aborted
      ? new CtlakeError('INTERRUPTED', `push interrupted; run it again to resume`, {
          cause: error,
        })
      : new CtlakeError('SOURCE_UNREACHABLE', `push: ${what}: ${firstLine(error)}`, {
          cause: error,
        });
  try {
    const manifestKey = `${prefix}${PUSH_MANIFEST}`;
    const pushed = await pushedLake(client, bucket, manifestKey, send).catch((error: unknown) => {
      throw failed(`cannot read s3://${bucket}/${manifestKey}`, error);
    });
    if (pushed !== undefined && pushed !== null && lakeId !== null && pushed !== lakeId) {
      throw new UsageError(
        `push: ${where} holds another lake's push (lake ${pushed}, this one is ${lakeId}), whose parts this push would overwrite and delete: push each lake to its own prefix (merge shards first)`,
      );
    }
    let held: Map<string, number>;
    try {
      held = await listSizes(client, bucket, `${prefix}events/`, send);
    } catch (error) {
      throw failed(`cannot list ${where}events/`, error);
    }
    let done = 0;
    let uploaded = 0;
    let uploadedBytes = 0;
    let stop: CtlakeError | undefined;
    await mapConcurrent(parts, options.concurrency ?? 4, async (part) => {
      if (stop !== undefined) return;
      try {
        if (!(await holdsPart(client, bucket, part, held.get(part.key), send))) {
          await upload(client, bucket, part, send);
          uploaded++;
          uploadedBytes += part.bytes;
        }
      } catch (error) {
        stop ??= failed(
          `cannot upload s3://${bucket}/${part.key} (${String(uploaded)} of ${String(parts.length)} parts uploaded by this run; run push again to resume)`,
          error,
        );
        return;
      }
      options.onProgress?.(++done, parts.length);
    });
    if (stop !== undefined) throw stop;
    const manifest: PushManifest = {
      format: MANIFEST_FORMAT,
      ctlakeVersion: packageVersion(),
      lakeId,
      pushedAt: new Date().toISOString(),
      events: parts.reduce((n, p) => n + p.rows, 0),
      parts: parts.map((p) => ({
        key: p.key.slice(prefix.length),
        rows: p.rows,
        bytes: p.bytes,
        sha256: p.sha256,
      })),
    };
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: manifestKey,
          Body: `${JSON.stringify(manifest, null, 1)}\n`,
          ContentType: 'application/json',
        }),
        send,
      );
    } catch (error) {
      throw failed(`cannot write s3://${bucket}/${manifestKey}`, error);
    }
    const live = new Set(parts.map((p) => p.key));
    const stale = [...held.keys()].filter((key) => !live.has(key));
    for (let i = 0; i < stale.length; i += 1000) {
      const batch = stale.slice(i, i + 1000);
      try {
        const result = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          send,
        );
        const refused = result.Errors?.[0];
        if (refused !== undefined) {
          throw new Error(`${refused.Key ?? '?'}: ${refused.Code ?? ''} ${refused.Message ?? ''}`);
        }
      } catch (error) {
        throw failed(`cannot delete parts no longer in the lake under ${where}events/`, error);
      }
    }
    return {
      parts: parts.length,
      uploaded,
      uploadedBytes,
      alreadyThere: parts.length - uploaded,
      removed: stale.length,
      events: manifest.events,
      manifest: `s3://${bucket}/${manifestKey}`,
    };
  } finally {
    release();
    client.destroy();
  }
}
