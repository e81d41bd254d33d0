/**
 * A CloudTrail digest file (digest-structure.md): its fields, the string CloudTrail signs
 * (custom-validation.md, "D. Recreate the data signing string"), and its signature, which lives
 * in the digest object's S3 metadata (`signature`, `signature-algorithm`, and on backfill digests
 * `backfill-generation-timestamp`), not in the file.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';

export interface DigestLogFile {
  readonly s3Bucket: string;
  readonly s3Object: string;
  readonly hashValue: string;
  readonly hashAlgorithm: string;
}

export interface DigestDocument {
  readonly awsAccountId: string;
  readonly digestStartTime: string;
  readonly digestEndTime: string;
  readonly digestS3Bucket: string;
  readonly digestS3Object: string;
  readonly digestPublicKeyFingerprint: string;
  readonly digestSignatureAlgorithm: string;
  readonly previousDigestS3Bucket: string | null;
  readonly previousDigestS3Object: string | null;
  readonly previousDigestHashValue: string | null;
  readonly previousDigestSignature: string | null;
  readonly logFiles: readonly DigestLogFile[];
}

/** The signature CloudTrail stored beside a digest. */
export interface DigestSignature {
  /** Hex. */
  readonly signature: string;
  readonly algorithm: string;
  /** Backfill digests are signed with the key valid when they were generated. */
  readonly backfillGeneratedAt?: string;
}

const REQUIRED_STRINGS = [
  'awsAccountId',
  'digestStartTime',
  'digestEndTime',
  'digestS3Bucket',
  'digestS3Object',
  'digestPublicKeyFingerprint',
  'digestSignatureAlgorithm',
] as const;

const PREVIOUS = [
  'previousDigestS3Bucket',
  'previousDigestS3Object',
  'previousDigestHashValue',
  'previousDigestSignature',
] as const;

/** The digest's fields, or why the text is not a digest. */
export function parseDigest(text: string): DigestDocument | { readonly reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `invalid format: not JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { reason: 'invalid format: not a JSON object' };
  }
  const d = value as Record<string, unknown>;
  for (const field of REQUIRED_STRINGS) {
    if (typeof d[field] !== 'string') return { reason: `invalid format: no ${field}` };
  }
  for (const field of PREVIOUS) {
    if (d[field] !== null && d[field] !== undefined && typeof d[field] !== 'string') {
      return { reason: `invalid format: ${field} is not a string or null` };
    }
  }
  if (!Array.isArray(d['logFiles'])) return { reason: 'invalid format: no logFiles array' };
  const logFiles: DigestLogFile[] = [];
  for (const [i, entry] of (d['logFiles'] as unknown[]).entries()) {
    const f = (entry ?? {}) as Record<string, unknown>;
    if (
      typeof f['s3Bucket'] !== 'string' ||
      typeof f['s3Object'] !== 'string' ||
      typeof f['hashValue'] !== 'string'
    ) {
      return {
        reason: `invalid format: logFiles[${String(i)}] lacks s3Bucket, s3Object or hashValue`,
      };
    }
    logFiles.push({
      s3Bucket: f['s3Bucket'],
      s3Object: f['s3Object'],
      hashValue: f['hashValue'].toLowerCase(),
      hashAlgorithm: typeof f['hashAlgorithm'] === 'string' ? f['hashAlgorithm'] : 'SHA-256',
    });
  }
  const text_ = (field: string): string => String(d[field]);
  const nullable = (field: string): string | null => {
    const v = d[field];
    return typeof v === 'string' ? v : null;
  };
  return {
    awsAccountId: text_('awsAccountId'),
    digestStartTime: text_('digestStartTime'),
    digestEndTime: text_('digestEndTime'),
    digestS3Bucket: text_('digestS3Bucket'),
    digestS3Object: text_('digestS3Object'),
    digestPublicKeyFingerprint: text_('digestPublicKeyFingerprint'),
    digestSignatureAlgorithm: text_('digestSignatureAlgorithm'),
    previousDigestS3Bucket: nullable('previousDigestS3Bucket'),
    previousDigestS3Object: nullable('previousDigestS3Object'),
    previousDigestHashValue: nullable('previousDigestHashValue'),
    previousDigestSignature: nullable('previousDigestSignature'),
    logFiles,
  };
}

export function isDigestDocument(
  value: DigestDocument | { readonly reason: string },
): value is DigestDocument {
  return !('reason' in value);
}

/**
 * The string CloudTrail signs: end time, `bucket/key`, the hex SHA-256 of the inflated digest,
 * and the previous digest's signature (`null` for the first digest of a chain, as the Java
 * implementation writes it).
 */
export function dataToSign(digest: DigestDocument, contentSha256: string): string {
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    contentSha256,
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

/** Whether `signature` (hex) is the key's SHA256withRSA signature of the digest. */
export function signatureHolds(
  digest: DigestDocument,
  contentSha256: string,
  signature: string,
  key: KeyObject,
): boolean {
  if (!/^[0-9a-fA-F]+$/.test(signature) || signature.length % 2 !== 0) return false;
  return verify(
    'sha256',
    Buffer.from(dataToSign(digest, contentSha256)),
    key,
    Buffer.from(signature, 'hex'),
  );
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The signature from S3 metadata: either the object `aws s3api head-object` prints (with its
 * `Metadata`) or that `Metadata` object alone. S3 returns metadata names in lower case; the
 * `x-amz-meta-` prefix is accepted too.
 */
export function signatureFromMetadata(
  value: unknown,
): DigestSignature | { readonly reason: string } {
  if (value === null || typeof value !== 'object') return { reason: 'not a JSON object' };
  const outer = value as Record<string, unknown>;
  const inner = outer['Metadata'];
  const metadata = (inner !== null && typeof inner === 'object' ? inner : outer) as Record<
    string,
    unknown
  >;
  const get = (name: string): unknown => {
    for (const [k, v] of Object.entries(metadata)) {
      if (k.toLowerCase().replace(/^x-amz-meta-/, '') === name) return v;
    }
    return undefined;
  };
  const signature = get('signature');
  const algorithm = get('signature-algorithm');
  if (typeof signature !== 'string' || signature === '')
    return { reason: 'no signature in the metadata' };
  const backfill = get('backfill-generation-timestamp');
  return {
    signature: signature.trim(),
    algorithm: typeof algorithm === 'string' ? algorithm : '',
    ...(typeof backfill === 'string' ? { backfillGeneratedAt: backfill } : {}),
  };
}
