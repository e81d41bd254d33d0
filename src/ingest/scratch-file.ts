/**
 * The scratch file a worker hands to DuckDB: one line per record,
 * `<object index> SEP <sha256 hex> SEP <record index> SEP <record JSON>`, read back with DuckDB's
 * CSV reader (the fastest way into DuckDB from JavaScript: `@duckdb/node-api` has no zero-copy
 * ingest, and moving strings through the appender costs more than this whole pass).
 *
 * The separator is the 0x01 byte, which valid JSON cannot contain raw; the record scanner
 * refuses documents that do. The checksum is taken here, over the record's bytes as they came
 * out of the source object (line-break placeholders restored), with Node's native SHA-256,
 * several times faster than in SQL.
 */
import { hash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, writeSync, writevSync } from 'node:fs';
import { holdsPlaceholders, type RecordRanges, restoreLineBreaks } from './record-scanner.js';

export const FIELD_SEPARATOR = '\x01';
/** Bytes gathered before a write: big enough for few syscalls, small next to a large object. */
const CHUNK_BYTES = 1024 * 1024;
/** Buffers per write: under Linux's IOV_MAX (1024) for one writev. */
const CHUNK_BUFFERS = 1000;
/** Longest line prefix: newline, two 10-digit indexes, a 64-digit checksum and 3 separators. */
export const MAX_PREFIX_BYTES = 1 + 10 + 64 + 10 + 3;

const MIB = 1024 * 1024;

/** How much scratch space a worker may use. */
export interface ScratchLimits {
  /**
   * Bytes one object's lines (records and their prefixes) may take; a larger object is refused.
   * An object's text is bounded too (1 GiB), and each record adds a prefix of up to
   * MAX_PREFIX_BYTES: this leaves room for both at CloudTrail's record sizes.
   */
  readonly objectBytes: number;
  /**
   * Once a scratch file holds this much, its records are written to Parquet before the next
   * object is read, and a new file begins. A worker's scratch therefore never exceeds
   * `flushBytes + objectBytes`, whatever its batch holds. (16 MB of gzip, a batch, is ~140 MB of
   * JSON on a typical archive: a usual batch is one file.)
   */
  readonly flushBytes: number;
}

export const DEFAULT_SCRATCH_LIMITS: ScratchLimits = {
  objectBytes: 1280 * MIB,
  flushBytes: 256 * MIB,
};

/** The most scratch space one worker can use (see ScratchLimits). */
export function scratchBytesPerWorker(limits: ScratchLimits = DEFAULT_SCRATCH_LIMITS): number {
  return limits.objectBytes + limits.flushBytes;
}

/** A point in a scratch file to roll back to: what it held then. */
export interface ScratchMark {
  readonly bytes: number;
  readonly lines: number;
}

export class ScratchFile {
  readonly path: string;
  #fd: number;
  #lines = 0;
  /** Bytes written; writes are positional, so a rollback (truncate) needs no seek. */
  #bytes = 0;
  /** The line prefixes of one write, reused: one allocation per file, not one per record. */
  readonly #heads = Buffer.allocUnsafe((CHUNK_BUFFERS / 2) * MAX_PREFIX_BYTES);

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'w');
  }

  /**
   * Appends records of one object, in bounded chunks (a large object is not copied whole); the
   * first of them is the object's record `firstRecord`. Returns false, having stopped part way,
   * when the file would grow past `maxBytes`: the caller then rolls back to a mark.
   */
  append(
    objectIndex: number,
    doc: Buffer,
    ranges: RecordRanges & { readonly placeholders?: boolean },
    firstRecord = 0,
    maxBytes = Number.POSITIVE_INFINITY,
  ): boolean {
    const { starts, ends } = ranges;
    const objectField = String(objectIndex);
    const heads = this.#heads;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    let headBytes = 0;
    // writev hands the records' slices of the document to the kernel as they are: no copy into a
    // chunk buffer (one less pass over every byte, and no fresh pages to fault in).
    const flush = (): boolean => {
      if (chunk.length === 0) return true;
      if (this.#bytes + chunkBytes > maxBytes) return false;
      const written = writevSync(this.#fd, chunk, this.#bytes);
      if (written < chunkBytes) {
        const rest = Buffer.concat(chunk, chunkBytes).subarray(written);
        let done = 0;
        while (done < rest.length) {
          done += writeSync(this.#fd, rest, done, rest.length - done, this.#bytes + written + done);
        }
      }
      this.#bytes += chunkBytes;
      chunk = [];
      chunkBytes = 0;
      headBytes = 0;
      return true;
    };
    for (let i = 0; i < starts.length; i++) {
      const record = doc.subarray(starts[i], ends[i]);
      const asRead =
        ranges.placeholders === true && holdsPlaceholders(record)
          ? restoreLineBreaks(record)
          : record;
      const prefix = `${this.#lines > 0 ? '\n' : ''}${objectField}${FIELD_SEPARATOR}${hash('sha256', asRead, 'hex')}${FIELD_SEPARATOR}${firstRecord + i}${FIELD_SEPARATOR}`;
      const headLength = heads.write(prefix, headBytes, 'latin1');
      const head = heads.subarray(headBytes, headBytes + headLength);
      headBytes += headLength;
      chunk.push(head, record);
      chunkBytes += head.length + record.length;
      this.#lines++;
      if ((chunkBytes >= CHUNK_BYTES || chunk.length >= CHUNK_BUFFERS) && !flush()) return false;
    }
    return flush();
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Lines (records) written so far. */
  get lines(): number {
    return this.#lines;
  }

  mark(): ScratchMark {
    return { bytes: this.#bytes, lines: this.#lines };
  }

  /** Drops everything written after `mark` (the lines of an object refused part way). */
  rollback(mark: ScratchMark): void {
    ftruncateSync(this.#fd, mark.bytes);
    this.#bytes = mark.bytes;
    this.#lines = mark.lines;
  }

  /** Closes the file; a second call does nothing. */
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
