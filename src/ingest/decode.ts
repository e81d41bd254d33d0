/**
 * Turns the bytes of a source object into JSON text. Whether to gunzip is decided by the gzip
 * magic bytes, never by the name or a Content-Encoding header: CloudTrail's objects end in
 * `.json.gz`, but copies get renamed and S3 clients sometimes decompress on the way.
 */
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { LogShapeError } from './record-scanner.js';

/** Objects larger than this once decompressed are refused rather than exhausting memory. */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length && i < 64; i++) {
    const c = bytes[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (c === 0xef && i === 0) return bytes[1] === 0xbb && bytes[2] === 0xbf;
    return c === 0x7b || c === 0x5b;
  }
  return false;
}

/** Decompresses (when gzip) and returns the document text; throws LogShapeError with a reason. */
export function decodeObjectBytes(bytes: Buffer, maxBytes = MAX_DECOMPRESSED_BYTES): Buffer {
  if (bytes.length === 0) throw new LogShapeError('the file is empty');
  if (!isGzip(bytes)) {
    if (looksLikeJson(bytes)) return bytes;
    throw new LogShapeError('neither gzip nor JSON (the first bytes are not a gzip header or "{")');
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes, chunkSize: outputChunkSize(bytes) });
  } catch (error) {
    throw new LogShapeError(gzipReason(error, maxBytes), { cause: error });
  }
}

/** Deflate expands at most about 1032:1, which bounds what a (possibly lying) size field may ask. */
const MAX_DEFLATE_RATIO = 1032;
/** Larger outputs take several chunks (and one concatenation): a mostly empty last chunk stays small. */
const MAX_OUTPUT_CHUNK = 8 * 1024 * 1024;

/**
 * zlib's output buffer size for one object. The default (16 KB) makes a 5 MB log 300 chunks
 * concatenated at the end; the size gzip records in its trailer (ISIZE, the input length mod 2^32)
 * lets one buffer hold the whole output: about 30% less time in gunzip. It is only a hint: a wrong
 * trailer costs extra chunks, never wrong output, and the bounds keep it from forcing a huge buffer.
 */
function outputChunkSize(gzip: Buffer): number {
  const recorded = gzip.length >= 18 ? gzip.readUInt32LE(gzip.length - 4) : 0;
  const bound = Math.min(gzip.length * MAX_DEFLATE_RATIO, MAX_OUTPUT_CHUNK);
  return Math.max(zlibConstants.Z_MIN_CHUNK, Math.min(recorded + 1024, bound));
}

function gzipReason(error: unknown, maxBytes: number): string {
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR') return 'truncated gzip data (unexpected end of file)';
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return `decompresses to more than ${maxBytes} bytes, the most one object may hold`;
  }
  if (code === 'Z_DATA_ERROR') {
    const detail = (error as Error).message;
    return `corrupt gzip data (${detail})`;
  }
  const errno = (error as { errno?: number }).errno;
  return errno === zlibConstants.Z_MEM_ERROR
    ? 'out of memory while decompressing'
    : `gzip error: ${String(error)}`;
}
