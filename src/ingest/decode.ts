/**
 * Turns the bytes of a source object into JSON text. Whether to gunzip is decided by the gzip
 * magic bytes, never by the name or a Content-Encoding header: CloudTrail's objects end in
 * `.json.gz`, but copies get renamed and S3 clients sometimes decompress on the way.
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import type { ObjectBody, StreamedBody } from '../source/fetch-object.js';
import { LogShapeError } from './record-scanner.js';

/** Objects larger than this once decompressed are refused rather than exhausting memory. */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** `YYYY-MM-DDT`: a CloudWatch Logs export line starts with its event's time. */
const EXPORT_LINE_START = /^\d{4}-\d{2}-\d{2}T/;

/** Whether the text starts like a JSON object or array, or a CloudWatch Logs export line. */
function looksLikeJson(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length && i < 64; i++) {
    const c = bytes[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (c === 0xef && i === 0) return bytes[1] === 0xbb && bytes[2] === 0xbf;
    if (c === 0x7b || c === 0x5b) return true;
    return EXPORT_LINE_START.test(Buffer.from(bytes.subarray(i, i + 11)).toString('latin1'));
  }
  return false;
}

/**
 * How much of an object may be decompressed at once. Most CloudTrail logs are a few MB of JSON
 * and are inflated in one call into one buffer (the fastest way); a burst file can be hundreds of
 * MB and is inflated in pieces instead, so that a worker never holds it whole.
 */
export interface DecodeLimits {
  /** Largest text inflated whole; a larger one is handed out in pieces. */
  readonly wholeBytes: number;
  /** Size of each piece of a large object's text. */
  readonly pieceBytes: number;
  /** Objects larger than this once decompressed are refused. */
  readonly maxBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  wholeBytes: 16 * 1024 * 1024,
  pieceBytes: 1024 * 1024,
  maxBytes: MAX_DECOMPRESSED_BYTES,
};

/** An object's document text: whole, or (large gzip objects) as pieces to read in order. */
export type DecodedObject = { readonly whole: Buffer } | { readonly pieces: AsyncIterable<Buffer> };

const NOT_GZIP_OR_JSON =
  'neither gzip nor JSON (the first bytes are not a gzip header, "{", "[" or a CloudWatch Logs export line\'s time)';

/**
 * Decompresses (when gzip) an object's bytes into its document text. Errors found up front throw
 * LogShapeError with a reason; a large object's pieces throw it while they are read. A streamed
 * body is always handed out in pieces; errors of its source pass through unchanged (they are not
 * the object's fault, and may be retried).
 */
export function decodeObject(body: ObjectBody, limits = DEFAULT_DECODE_LIMITS): DecodedObject {
  if (!Buffer.isBuffer(body)) return { pieces: decodeStream(body, limits) };
  const bytes = body;
  if (bytes.length === 0) throw new LogShapeError('the file is empty');
  if (!isGzip(bytes)) {
    if (!looksLikeJson(bytes)) throw new LogShapeError(NOT_GZIP_OR_JSON);
    if (bytes.length > limits.maxBytes) throw new LogShapeError(tooLarge(limits.maxBytes));
    return { whole: bytes };
  }
  const maxWhole = Math.min(limits.wholeBytes, limits.maxBytes);
  if (maxWhole > 0 && recordedSize(bytes) <= maxWhole) {
    try {
      return {
        whole: gunzipSync(bytes, {
          maxOutputLength: maxWhole,
          chunkSize: outputChunkSize(bytes),
        }),
      };
    } catch (error) {
      // The size field only covers the last gzip member: a larger text is read in pieces.
      const code = (error as { code?: string }).code;
      if (code !== 'ERR_BUFFER_TOO_LARGE' || maxWhole === limits.maxBytes) {
        throw new LogShapeError(gzipReason(error, limits.maxBytes), { cause: error });
      }
    }
  }
  return { pieces: inflatePieces(bytes, limits) };
}

function inflatePieces(gzip: Buffer, limits: DecodeLimits): AsyncGenerator<Buffer> {
  const inflater = createInflater(limits);
  inflater.end(gzip);
  return inflatedPieces(inflater, limits);
}

function createInflater(limits: DecodeLimits): NodeJS.ReadWriteStream & AsyncIterable<Buffer> {
  return createGunzip({ chunkSize: Math.max(zlibConstants.Z_MIN_CHUNK, limits.pieceBytes) });
}

/** The inflater's output, counted against the limit; zlib's errors become LogShapeError. */
async function* inflatedPieces(
  inflater: NodeJS.ReadWriteStream & AsyncIterable<Buffer>,
  limits: DecodeLimits,
  isSourceError: (error: unknown) => boolean = () => false,
): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    for await (const piece of inflater) {
      total += piece.length;
      if (total > limits.maxBytes) throw new LogShapeError(tooLarge(limits.maxBytes));
      yield piece;
    }
  } catch (error) {
    if (error instanceof LogShapeError || isSourceError(error)) throw error;
    throw new LogShapeError(gzipReason(error, limits.maxBytes), { cause: error });
  } finally {
    (inflater as unknown as { destroy(): void }).destroy();
  }
}

/** The first bytes of a stream (at least `count`, unless it ends first) and the stream again, whole. */
async function peek(
  source: AsyncIterable<Buffer>,
  count: number,
): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < count) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(seen, length);
  async function* again(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      yield next.value;
    }
  }
  return { head, stream: again() };
}

/** How many leading bytes decide between gzip and JSON (a JSON text may start with spaces). */
const SNIFF_BYTES = 64;

/** A streamed body's document text, in pieces: inflated when gzip, else passed through. */
async function* decodeStream(body: StreamedBody, limits: DecodeLimits): AsyncGenerator<Buffer> {
  const { head, stream } = await peek(body.open(), SNIFF_BYTES);
  if (head.length === 0) throw new LogShapeError('the file is empty');
  if (isGzip(head)) {
    let sourceError: unknown;
    const source = Readable.from(
      (async function* tagged(): AsyncGenerator<Buffer> {
        try {
          yield* stream;
        } catch (error) {
          sourceError = error;
          throw error;
        }
      })(),
    );
    const inflater = createInflater(limits);
    pipeline(source, inflater, () => undefined);
    yield* inflatedPieces(inflater, limits, (error) => error === sourceError);
    return;
  }
  if (!looksLikeJson(head)) throw new LogShapeError(NOT_GZIP_OR_JSON);
  let total = 0;
  for await (const piece of stream) {
    total += piece.length;
    if (total > limits.maxBytes) throw new LogShapeError(tooLarge(limits.maxBytes));
    yield piece;
  }
}

/** The uncompressed size gzip records in its trailer (ISIZE: the last member's, mod 2^32). */
function recordedSize(gzip: Buffer): number {
  return gzip.length >= 18 ? gzip.readUInt32LE(gzip.length - 4) : 0;
}

function tooLarge(maxBytes: number): string {
  return `decompresses to more than ${maxBytes} bytes, the most one object may hold`;
}

/** Deflate expands at most about 1032:1, which bounds what a (possibly lying) size field may ask. */
const MAX_DEFLATE_RATIO = 1032;
/**
 * zlib's output buffer size for one object inflated whole. The default (16 KB) makes a 5 MB log
 * 300 chunks concatenated at the end; the size gzip records in its trailer lets one buffer hold
 * the whole output: about 30% less time in gunzip. It is only a hint: a wrong trailer costs extra
 * chunks, never wrong output, and the deflate ratio keeps it from asking for a huge buffer (the
 * caller only inflates whole the objects whose trailer is small).
 */
function outputChunkSize(gzip: Buffer): number {
  const bound = gzip.length * MAX_DEFLATE_RATIO;
  return Math.max(zlibConstants.Z_MIN_CHUNK, Math.min(recordedSize(gzip) + 1024, bound));
}

function gzipReason(error: unknown, maxBytes: number): string {
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR') return 'truncated gzip data (unexpected end of file)';
  if (code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(maxBytes);
  if (code === 'Z_DATA_ERROR') {
    const detail = (error as Error).message;
    return `corrupt gzip data (${detail})`;
  }
  const errno = (error as { errno?: number }).errno;
  return errno === zlibConstants.Z_MEM_ERROR
    ? 'out of memory while decompressing'
    : `gzip error: ${String(error)}`;
}
