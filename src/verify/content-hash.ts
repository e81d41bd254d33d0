/**
 * The SHA-256 of a CloudTrail object's content, as its digest records it: of the JSON once
 * inflated. A digest's hash is of exactly one gzip member, so, as aws-cli's validate-logs does
 * (aws-cli pull request 10326), anything after the first member's trailer — a second member,
 * zeros, appended text — makes the file invalid rather than being inflated or ignored (Node's
 * gunzip would inflate a second member and skip trailing zeros silently). A file that is not
 * gzip at all (someone inflated the archive) is hashed as it is: its content is what the digest
 * vouches for.
 *
 * The compressed bytes are held whole (one object, tens of MB at most); the inflated text is
 * hashed as it streams out of zlib (on libuv's threads), never held.
 */
import { createHash } from 'node:crypto';
import { createInflateRaw, crc32 } from 'node:zlib';
import { isGzip } from '../ingest/decode.js';

export type ContentHash =
  { readonly sha256: string; readonly contentBytes: number } | { readonly reason: string };

const FTEXT_FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** Where the deflate data of the first member starts (RFC 1952 §2.3), or a reason it cannot. */
function deflateStart(bytes: Buffer): number | string {
  if (bytes.length < 18) return 'truncated gzip data (shorter than a gzip header and trailer)';
  if (bytes[2] !== 8) return `corrupt gzip data (compression method ${String(bytes[2])})`;
  const flags = bytes[3] ?? 0;
  let at = 10;
  if (flags & FEXTRA) at += 2 + bytes.readUInt16LE(at);
  const skipString = (): void => {
    while (at < bytes.length && bytes[at] !== 0) at++;
    at++;
  };
  if (flags & FNAME) skipString();
  if (flags & FCOMMENT) skipString();
  if (flags & FTEXT_FHCRC) at += 2;
  return at < bytes.length ? at : 'truncated gzip data (the header runs past the end)';
}

/** Inflates the first member of `bytes`, feeding each piece of text to `onText`. */
async function inflateFirstMember(
  bytes: Buffer,
  onText: (piece: Buffer) => void,
): Promise<ContentHash> {
  const start = deflateStart(bytes);
  if (typeof start === 'string') return { reason: start };
  const inflater = createInflateRaw({ chunkSize: 1024 * 1024 });
  inflater.end(bytes.subarray(start));
  let crc = 0;
  let length = 0;
  const hash = createHash('sha256');
  try {
    for await (const piece of inflater as AsyncIterable<Buffer>) {
      crc = crc32(piece, crc);
      length += piece.length;
      hash.update(piece);
      onText(piece);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    return {
      reason:
        code === 'Z_BUF_ERROR'
          ? 'truncated gzip data (unexpected end of file)'
          : `corrupt gzip data (${(error as Error).message})`,
    };
  }
  const trailerAt = start + inflater.bytesWritten;
  if (trailerAt + 8 > bytes.length) return { reason: 'truncated gzip data (no gzip trailer)' };
  if (bytes.readUInt32LE(trailerAt) !== crc >>> 0) {
    return { reason: 'corrupt gzip data (the CRC-32 in the trailer does not match)' };
  }
  if (bytes.readUInt32LE(trailerAt + 4) !== length % 2 ** 32) {
    return { reason: 'corrupt gzip data (the length in the trailer does not match)' };
  }
  const extra = bytes.length - (trailerAt + 8);
  if (extra > 0) {
    return {
      reason: `${String(extra)} bytes of unexpected data after the end of the gzip stream`,
    };
  }
  return { sha256: hash.digest('hex'), contentBytes: length };
}

/** The SHA-256 (hex) of the object's content: inflated when it is gzip, else as stored. */
export async function contentHash(
  bytes: Buffer,
  onText: (piece: Buffer) => void = () => undefined,
): Promise<ContentHash> {
  if (bytes.length === 0) return { reason: 'the file is empty' };
  if (!isGzip(bytes)) {
    onText(bytes);
    return { sha256: createHash('sha256').update(bytes).digest('hex'), contentBytes: bytes.length };
  }
  return inflateFirstMember(bytes, onText);
}
