/**
 * `ctlake verify <source>…`: CloudTrail's log file integrity validation, offline, on a local
 * archive or an S3 prefix, following the algorithm of custom-validation.md, and more: every
 * missing digest is found (chains.ts), and log files no digest vouches for are named.
 *
 * For each digest: its content hash, its place (`digestS3Object` must be where it was read: a
 * moved digest is invalid), its signature (S3 metadata, or the `.metadata.json` sidecar a local
 * archive keeps beside it), the key it names (in the keys file, valid when it was signed), and
 * its link to the previous digest. For each log file a valid digest lists: present, and the
 * SHA-256 of its content equals `hashValue`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, errnoReason, firstLine } from '../errors.js';
import { FetchError, readWholeObject } from '../source/fetch-object.js';
import { openSources, s3Settings, type S3Options } from '../source/open-sources.js';
import { parseObjectFilter } from '../source/object-filter.js';
import type { S3Settings } from '../source/s3-settings.js';
import { DIGEST_FILE_NAME, SIGNATURE_SIDECAR } from '../source/trail-key.js';
import type { TrailObject } from '../source/trail-object.js';
import { mapConcurrent } from '../util/concurrency.js';
import { analyseChains, type ChainLink, type MissingRange } from './chains.js';
import { contentHash } from './content-hash.js';
import {
  type DigestDocument,
  isDigestDocument,
  parseDigest,
  signatureFromMetadata,
  signatureHolds,
} from './digest.js';
import { keyFor, readPublicKeys, type TrailPublicKey } from './public-keys.js';
import { parseTimeScope, type TimeScope } from '../util/time-scope.js';

export interface VerifyArchiveOptions {
  /** Local archive directories or files, globs, `s3://bucket/prefix` URIs. */
  readonly sources: readonly string[];
  /** Files as `aws cloudtrail list-public-keys` prints them. */
  readonly publicKeys: readonly string[];
  /** A day or an ISO time: digests ending after it, log files delivered from it. */
  readonly since?: string;
  /** A day (the whole day) or an ISO time. */
  readonly until?: string;
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
  readonly s3?: S3Options;
  readonly signal?: AbortSignal;
  /** Files checked so far, of how many: for a progress display. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Objects read at once (default 8). */
  readonly concurrency?: number;
}

export interface Problem {
  /** The file (absolute path or `s3://` URI) or, for a missing one, the key a digest names. */
  readonly key: string;
  readonly reason: string;
}

export interface MissingLogFile {
  readonly key: string;
  /** The digest that lists it. */
  readonly digest: string;
}

/** What `verify` found. Counts cover the requested range; lists name every problem. */
export interface ArchiveVerification {
  readonly requested: { readonly from?: string; readonly to?: string };
  /** The span the valid digests in range cover. */
  readonly found?: { readonly from: string; readonly to: string };
  readonly digests: {
    readonly valid: number;
    readonly invalid: Problem[];
    readonly missing: MissingRange[];
  };
  readonly logFiles: {
    readonly valid: number;
    readonly invalid: Problem[];
    readonly missing: MissingLogFile[];
    readonly notCovered: string[];
  };
  readonly gaps: MissingRange[];
}

/** The verdict on one log object of the archive, by URI: what the lake records. */
export interface ObjectVerdict {
  readonly status: 'valid' | 'invalid' | 'not-covered';
  readonly reason?: string;
  /** The digest that vouches for it (or condemns it). */
  readonly digest?: string;
}

export interface VerifyArchiveResult {
  readonly report: ArchiveVerification;
  readonly verdicts: ReadonlyMap<string, ObjectVerdict>;
  /** Nothing invalid, missing or uncovered. */
  readonly ok: boolean;
}

const LOG_NAME_TIME = /_(\d{8}T\d{4})Z_/;

/** A key or path from its `AWSLogs/` segment on: how digests and archives name the same file. */
export function trailKeyOf(keyOrPath: string): string | undefined {
  const parts = keyOrPath.split(/[\\/]/);
  const at = parts.lastIndexOf('AWSLogs');
  return at < 0 ? undefined : parts.slice(at).join('/');
}

function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

function fromCompact(stamp: string): Date {
  const t = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15) || '00'}Z`;
  return new Date(t);
}

/** When CloudTrail delivered a log file, from its name (`…_20240509T1205Z_…`). */
function deliveredAt(object: TrailObject): Date | undefined {
  const match = LOG_NAME_TIME.exec(path.basename(object.uri));
  return match?.[1] ? fromCompact(`${match[1]}00`) : undefined;
}

interface CheckedDigest {
  readonly object: TrailObject;
  readonly trailKey: string;
  readonly document?: DigestDocument;
  readonly link?: ChainLink;
  readonly start?: Date;
  readonly end?: Date;
  readonly problem?: string;
}

async function sidecarSignature(file: string): Promise<unknown> {
  const sidecar = `${file}${SIGNATURE_SIDECAR}`;
  let text: string;
  try {
    text = await readFile(sidecar, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `no signature: ${path.basename(sidecar)} is not beside it (aws s3 cp/sync do not download S3 metadata: acquire with ctlake download, or save aws s3api head-object's output there)`
        : `cannot read ${path.basename(sidecar)}: ${errnoReason(error)}`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${path.basename(sidecar)} is not JSON`);
  }
}

async function checkDigest(
  object: TrailObject,
  keys: readonly TrailPublicKey[],
  s3: S3Settings,
  signal?: AbortSignal,
): Promise<CheckedDigest> {
  const trailKey =
    trailKeyOf(object.location.kind === 's3' ? object.location.key : object.uri) ?? object.uri;
  const name = DIGEST_FILE_NAME.exec(path.posix.basename(trailKey))?.groups;
  const invalid = (problem: string, rest: Partial<CheckedDigest> = {}): CheckedDigest => ({
    object,
    trailKey,
    ...(name?.['date'] ? { end: fromCompact(`${name['date']}T${name['time'] ?? ''}Z`) } : {}),
    ...rest,
    problem,
  });
  let whole;
  try {
    whole = await readWholeObject(object.location, s3, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    return invalid(`cannot read: ${firstLine(error)}`);
  }
  const pieces: Buffer[] = [];
  const hashed = await contentHash(whole.bytes, (piece) => pieces.push(piece));
  if ('reason' in hashed) return invalid(`invalid format: ${hashed.reason}`);
  const parsed = parseDigest(Buffer.concat(pieces).toString('utf8'));
  if (!isDigestDocument(parsed)) return invalid(parsed.reason);
  const document = parsed;
  const start = new Date(document.digestStartTime);
  const end = new Date(document.digestEndTime);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
    return invalid('invalid format: digestStartTime or digestEndTime is not a time');
  }
  const link: ChainLink = {
    trailKey,
    account: document.awsAccountId,
    region: name?.['region'] ?? object.key.region ?? 'unknown',
    trail: name ? `${name['trail'] ?? ''} (home region ${name['home'] ?? ''})` : 'unknown trail',
    backfill: name?.['backfill'] !== undefined,
    start,
    end,
    contentSha256: hashed.sha256,
    intact: false,
    ...(document.previousDigestS3Object === null
      ? {}
      : {
          previousTrailKey:
            trailKeyOf(document.previousDigestS3Object) ?? document.previousDigestS3Object,
        }),
    ...(document.previousDigestHashValue === null
      ? {}
      : { previousHash: document.previousDigestHashValue }),
    ...(document.previousDigestSignature === null
      ? {}
      : { previousSignature: document.previousDigestSignature }),
  };
  const parsedRest = { document, start, end };
  const moved =
    object.location.kind === 's3'
      ? document.digestS3Bucket !== object.location.bucket ||
        document.digestS3Object !== object.location.key
      : trailKeyOf(document.digestS3Object) !== trailKey;
  if (moved) {
    return invalid(
      `has been moved from its original location (it says ${s3Uri(document.digestS3Bucket, document.digestS3Object)})`,
      parsedRest,
    );
  }
  let metadata: unknown;
  try {
    metadata =
      object.location.kind === 'file'
        ? await sidecarSignature(object.location.path)
        : whole.metadata;
  } catch (error) {
    return invalid(firstLine(error), { ...parsedRest, link });
  }
  const signed = signatureFromMetadata(metadata);
  if ('reason' in signed) return invalid(`no signature: ${signed.reason}`, { ...parsedRest, link });
  const withSignature = { ...parsedRest, link: { ...link, signature: signed.signature } };
  const algorithm = signed.algorithm || document.digestSignatureAlgorithm;
  if (algorithm !== 'SHA256withRSA') {
    return invalid(`signature algorithm ${algorithm} is not SHA256withRSA`, withSignature);
  }
  const signedAt =
    link.backfill && signed.backfillGeneratedAt !== undefined
      ? new Date(signed.backfillGeneratedAt)
      : end;
  const key = keyFor(keys, document.digestPublicKeyFingerprint, signedAt);
  if ('reason' in key) return invalid(key.reason, withSignature);
  if (!signatureHolds(document, hashed.sha256, signed.signature, key.key)) {
    return invalid('signature verification failed', withSignature);
  }
  return { object, trailKey, ...withSignature };
}

function overlaps(start: Date, end: Date, scope: TimeScope): boolean {
  return (
    (scope.from === undefined || end > scope.from) && (scope.to === undefined || start < scope.to)
  );
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/** The listing filter: a day more on each side, since digests and logs straddle midnight. */
function listingSelection(
  options: VerifyArchiveOptions,
  scope: TimeScope,
): Parameters<typeof parseObjectFilter>[0] {
  const DAY = 86_400_000;
  return {
    ...(scope.from ? { since: new Date(scope.from.getTime() - DAY).toISOString() } : {}),
    ...(scope.to ? { until: new Date(scope.to.getTime()).toISOString() } : {}),
    ...(options.accounts ? { account: options.accounts } : {}),
    ...(options.regions ? { region: options.regions } : {}),
  };
}

async function listArchive(
  options: VerifyArchiveOptions,
  scope: TimeScope,
  settings: S3Settings,
): Promise<TrailObject[]> {
  const sources = await openSources(
    options.sources,
    settings,
    parseObjectFilter(listingSelection(options, scope)),
    true,
  );
  const objects: TrailObject[] = [];
  for (const source of sources) {
    for await (const object of source.list(options.signal)) {
      if (object.uri.endsWith(SIGNATURE_SIDECAR)) continue;
      objects.push(object);
    }
  }
  return objects;
}

export async function verifyArchive(options: VerifyArchiveOptions): Promise<VerifyArchiveResult> {
  if (options.sources.length === 0) throw new UsageError('give at least one archive to verify');
  if (options.publicKeys.length === 0) {
    throw new UsageError(
      'give --public-keys FILE: the JSON of aws cloudtrail list-public-keys --start-time … --end-time …, saved while online (digest signatures cannot be checked without it)',
    );
  }
  const keys = readPublicKeys(options.publicKeys);
  const scope = parseTimeScope(options.since, options.until);
  const settings = s3Settings(options.s3);
  const concurrency = options.concurrency ?? 8;
  const listed = await listArchive(options, scope, settings);
  const matches = (object: TrailObject): boolean =>
    (options.accounts === undefined ||
      object.key.account === undefined ||
      options.accounts.includes(object.key.account)) &&
    (options.regions === undefined ||
      object.key.region === undefined ||
      options.regions.includes(object.key.region));
  const digestObjects = listed.filter((o) => o.key.kind === 'digest' && matches(o));
  const logObjects = listed.filter((o) => o.key.kind !== 'digest' && matches(o));

  const logsInScope = logObjects.filter((o) => {
    const at = deliveredAt(o);
    return at === undefined || overlaps(at, new Date(at.getTime() + 1), scope);
  });
  const total = digestObjects.length;
  let done = 0;
  const checked = await mapConcurrent(digestObjects, concurrency, async (object) => {
    const result = await checkDigest(object, keys, settings, options.signal);
    options.onProgress?.(++done, total + logsInScope.length);
    return result;
  });
  const inScope = checked.filter(
    (d) => d.end === undefined || overlaps(d.start ?? d.end, d.end, scope),
  );
  const requested = {
    ...(scope.from ? { from: iso(scope.from) } : {}),
    ...(scope.to ? { to: iso(scope.to) } : {}),
  };

  const chains = analyseChains(
    checked.flatMap((d) => (d.link ? [{ ...d.link, intact: d.problem === undefined }] : [])),
    scope,
  );
  const digestProblems: Problem[] = [];
  const validDigests: CheckedDigest[] = [];
  for (const d of inScope) {
    const problem = d.problem ?? chains.badLinks.get(d.trailKey);
    if (problem !== undefined) digestProblems.push({ key: d.object.uri, reason: problem });
    else validDigests.push(d);
  }
  const inRange = (r: MissingRange): boolean => overlaps(new Date(r.from), new Date(r.to), scope);

  // The log files valid digests vouch for, by trail key, with the digest naming each.
  const byTrailKey = new Map<string, TrailObject[]>();
  for (const object of logObjects) {
    const k = trailKeyOf(object.location.kind === 's3' ? object.location.key : object.uri);
    if (k !== undefined) byTrailKey.set(k, [...(byTrailKey.get(k) ?? []), object]);
  }
  const expected = new Map<TrailObject, { hash: string; digest: string }[]>();
  const missing: MissingLogFile[] = [];
  const covered = new Set<TrailObject>();
  for (const d of checked) {
    if (d.problem !== undefined || chains.badLinks.has(d.trailKey) || !d.document) continue;
    const vouches = validDigests.includes(d);
    for (const file of d.document.logFiles) {
      const k = trailKeyOf(file.s3Object) ?? file.s3Object;
      const objects = byTrailKey.get(k) ?? [];
      for (const o of objects) covered.add(o);
      if (!vouches) continue;
      if (objects.length === 0) {
        missing.push({ key: s3Uri(file.s3Bucket, file.s3Object), digest: d.object.uri });
        continue;
      }
      for (const o of objects) {
        expected.set(o, [
          ...(expected.get(o) ?? []),
          { hash: file.hashValue, digest: d.object.uri },
        ]);
      }
    }
  }

  const verdicts = new Map<string, ObjectVerdict>();
  const invalidLogs: Problem[] = [];
  let validLogs = 0;
  const toHash = [...expected.keys()];
  await mapConcurrent(toHash, concurrency, async (object) => {
    const wanted = expected.get(object) ?? [];
    const digest = wanted[0]?.digest;
    let verdict: ObjectVerdict;
    try {
      const { bytes } = await readWholeObject(object.location, settings, options.signal);
      const hashed = await contentHash(bytes);
      if ('reason' in hashed) verdict = { status: 'invalid', reason: hashed.reason };
      else {
        const wrong = wanted.find((w) => w.hash !== hashed.sha256);
        verdict = wrong
          ? {
              status: 'invalid',
              reason: `hash value doesn't match (the digest has ${wrong.hash}, the file ${hashed.sha256})`,
            }
          : { status: 'valid' };
      }
    } catch (error) {
      if (options.signal?.aborted || !(error instanceof FetchError)) throw error;
      verdict = { status: 'invalid', reason: `cannot read: ${error.message}` };
    }
    verdicts.set(object.uri, { ...verdict, ...(digest ? { digest } : {}) });
    if (verdict.status === 'valid') validLogs++;
    else invalidLogs.push({ key: object.uri, reason: verdict.reason ?? '' });
    options.onProgress?.(++done, total + logsInScope.length);
  });
  const notCovered: string[] = [];
  for (const object of logsInScope) {
    if (object.key.kind !== 'log' || covered.has(object)) continue;
    notCovered.push(object.uri);
    verdicts.set(object.uri, { status: 'not-covered', reason: 'no valid digest lists it' });
  }

  const validSpans = validDigests.flatMap((d) =>
    d.start && d.end ? [[d.start, d.end] as const] : [],
  );
  const found =
    validSpans.length === 0
      ? undefined
      : {
          from: iso(new Date(Math.min(...validSpans.map(([s]) => s.getTime())))),
          to: iso(new Date(Math.max(...validSpans.map(([, e]) => e.getTime())))),
        };
  const byKey = (a: { key: string }, b: { key: string }): number =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  const report: ArchiveVerification = {
    requested,
    ...(found ? { found } : {}),
    digests: {
      valid: validDigests.length,
      invalid: digestProblems.sort(byKey),
      missing: chains.missing.filter(inRange),
    },
    logFiles: {
      valid: validLogs,
      invalid: invalidLogs.sort(byKey),
      missing: missing.sort(byKey),
      notCovered: notCovered.sort(),
    },
    gaps: chains.gaps.filter(inRange),
  };
  const ok =
    report.digests.invalid.length === 0 &&
    report.digests.missing.length === 0 &&
    report.logFiles.invalid.length === 0 &&
    report.logFiles.missing.length === 0 &&
    report.logFiles.notCovered.length === 0 &&
    report.digests.valid > 0;
  return { report, verdicts, ok };
}
