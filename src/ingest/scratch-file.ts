/**
 * The scratch file a worker hands to DuckDB: one line per record,
 * `<object index> SEP <sha256 hex> SEP <record index> SEP <record JSON>`, read back with DuckDB's
 * CSV reader (the fastest way into DuckDB from JavaScript: `@duckdb/node-api` has no zero-copy
 * ingest, and moving strings through the appender costs more than this whole pass).
 *
 * The separator is the 0x01 byte, which valid JSON cannot contain raw; the record scanner
 * refuses documents that do. The checksum is taken here, over the record's bytes as they came
 * out of the source object, with Node's native SHA-256, several times faster than in SQL.
 */
import { hash } from 'node:crypto';
import { closeSync, openSync, writeSync, writevSync } from 'node:fs';
import type { RecordRanges } from './record-scanner.js';

export const FIELD_SEPARATOR = '\x01';
/** Bytes gathered before a write: big enough for few syscalls, small next to a large object. */
const CHUNK_BYTES = 1024 * 1024;
/** Buffers per write: under Linux's IOV_MAX (1024) for one writev. */
const CHUNK_BUFFERS = 1000;
/** Longest line prefix: newline, two 10-digit indexes, a 64-digit checksum and 3 separators. */
export const MAX_PREFIX_BYTES = 1 + 10 + 64 + 10 + 3;

export class ScratchFile {
  readonly path: string;
  #fd: number;
  #lines = 0;
  /** The line prefixes of one write, reused: one allocation per file, not one per record. */
  readonly #heads = Buffer.allocUnsafe((CHUNK_BUFFERS / 2) * MAX_PREFIX_BYTES);

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'w');
  }

  /**
   * Appends records of one object, in bounded chunks (a large object is not copied whole); the
   * first of them is the object's record `firstRecord`.
   */
  append(objectIndex: number, doc: Buffer, ranges: RecordRanges, firstRecord = 0): void {
    const { starts, ends } = ranges;
    const objectField = String(objectIndex);
    const heads = this.#heads;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    let headBytes = 0;
    // writev hands the records' slices of the document to the kernel as they are: no copy into a
    // chunk buffer (one less pass over every byte, and no fresh pages to fault in).
    const flush = (): void => {
      if (chunk.length === 0) return;
      const written = writevSync(this.#fd, chunk);
      if (written < chunkBytes) {
        const rest = Buffer.concat(chunk, chunkBytes).subarray(written);
        let done = 0;
        while (done < rest.length) done += writeSync(this.#fd, rest, done, rest.length - done);
      }
      chunk = [];
      chunkBytes = 0;
      headBytes = 0;
    };
    for (let i = 0; i < starts.length; i++) {
      const record = doc.subarray(starts[i], ends[i]);
      const prefix = `${this.#lines > 0 ? '\n' : ''}${objectField}${FIELD_SEPARATOR}${hash('sha256', record, 'hex')}${FIELD_SEPARATOR}${firstRecord + i}${FIELD_SEPARATOR}`;
      const headLength = heads.write(prefix, headBytes, 'latin1');
      const head = heads.subarray(headBytes, headBytes + headLength);
      headBytes += headLength;
      chunk.push(head, record);
      chunkBytes += head.length + record.length;
      this.#lines++;
      if (chunkBytes >= CHUNK_BYTES || chunk.length >= CHUNK_BUFFERS) flush();
    }
    flush();
  }

  close(): void {
    closeSync(this.#fd);
  }
}
