/**
 * The public keys CloudTrail signs digests with, as `aws cloudtrail list-public-keys` prints them
 * (saved before going offline; one file per region, since each region has its own keys):
 * `{"PublicKeyList": [{"Value", "ValidityStartTime", "ValidityEndTime", "Fingerprint"}]}`.
 * `Value` is base64 of the DER key in PKCS #1 form (custom-validation.md, "B. Retrieve the public
 * key"); SubjectPublicKeyInfo is accepted too. Times come as ISO-8601 (CLI v2), or as epoch
 * seconds, a number or a string (`"1436317441.0"`, the API's and CLI v1's form).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError, errnoReason } from '../errors.js';

export interface TrailPublicKey {
  readonly fingerprint: string;
  readonly key: KeyObject;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** The keys file it came from, for messages. */
  readonly file: string;
}

function time(value: unknown): Date | undefined {
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return new Date(Number(value) * 1000);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function publicKey(der: Buffer): KeyObject {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
  } catch {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  }
}

function keysOf(file: string, text: string): TrailPublicKey[] {
  const bad = (why: string): UsageError =>
    new UsageError(
      `--public-keys ${file}: ${why} (want the JSON aws cloudtrail list-public-keys prints)`,
    );
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw bad(`not JSON: ${(error as Error).message}`);
  }
  const list = (document as { PublicKeyList?: unknown; publicKeyList?: unknown } | null) ?? {};
  const entries = list.PublicKeyList ?? list.publicKeyList;
  if (!Array.isArray(entries)) throw bad('no PublicKeyList array');
  return entries.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const at = `PublicKeyList[${String(i)}]`;
    const fingerprint = e['Fingerprint'];
    const value = e['Value'];
    const validFrom = time(e['ValidityStartTime']);
    const validTo = time(e['ValidityEndTime']);
    if (typeof fingerprint !== 'string' || fingerprint === '')
      throw bad(`${at} has no Fingerprint`);
    if (typeof value !== 'string' || value === '') throw bad(`${at} has no Value`);
    if (!validFrom || !validTo)
      throw bad(`${at} has no readable ValidityStartTime/ValidityEndTime`);
    let key: KeyObject;
    try {
      key = publicKey(Buffer.from(value, 'base64'));
    } catch (error) {
      throw bad(`${at}.Value is not a DER RSA public key: ${(error as Error).message}`);
    }
    return { fingerprint: fingerprint.toLowerCase(), key, validFrom, validTo, file };
  });
}

/** Every key of the given files; a file that is missing or not a keys file is a usage error. */
export function readPublicKeys(files: readonly string[]): TrailPublicKey[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --public-keys ${file}: ${errnoReason(error)}`, {
        cause: error,
      });
    }
    return keysOf(file, text);
  });
}

/**
 * The key with this fingerprint valid at `at`, or why there is none: a digest signed by a key
 * the keys file lacks, or by a key outside its validity, is not trusted.
 */
export function keyFor(
  keys: readonly TrailPublicKey[],
  fingerprint: string,
  at: Date,
): { readonly key: KeyObject } | { readonly reason: string } {
  const matching = keys.filter((k) => k.fingerprint === fingerprint.toLowerCase());
  if (matching.length === 0) {
    return { reason: `public key ${fingerprint} is not in the --public-keys files` };
  }
  const valid = matching.find((k) => k.validFrom <= at && at <= k.validTo);
  if (!valid) {
    const k = matching[0];
    return {
      reason: `public key ${fingerprint} is valid ${k?.validFrom.toISOString() ?? ''} to ${k?.validTo.toISOString() ?? ''}, not at ${at.toISOString()}`,
    };
  }
  return { key: valid.key };
}
