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
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RecordRanges } from './record-scanner.js';

export const FIELD_SEPARATOR = '\x01';
const SEP = 0x01;
const NEWLINE = 0x0a;
const CHECKSUM_HEX_LENGTH = 64;

export class ScratchFile {
  readonly path: string;
  #fd: number;
  #lines = 0;

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'w');
  }

  /** Lines written so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Appends the records of one object. */
  append(objectIndex: number, doc: Buffer, ranges: RecordRanges): void {
    const { starts, ends } = ranges;
    const count = starts.length;
    if (count === 0) return;
    const objectField = String(objectIndex);
    let size = 0;
    for (let i = 0; i < count; i++) {
      size +=
        objectField.length +
        1 +
        CHECKSUM_HEX_LENGTH +
        1 +
        String(i).length +
        1 +
        (ends[i] ?? 0) -
        (starts[i] ?? 0) +
        1;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const record = doc.subarray(starts[i], ends[i]);
      if (this.#lines > 0 || i > 0) out[at++] = NEWLINE;
      at += out.write(objectField, at, 'latin1');
      out[at++] = SEP;
      at += out.write(hash('sha256', record, 'hex'), at, 'latin1');
      out[at++] = SEP;
      at += out.write(String(i), at, 'latin1');
      out[at++] = SEP;
      at += record.copy(out, at);
    }
    let written = 0;
    while (written < at) written += writeSync(this.#fd, out, written, at - written);
    this.#lines += count;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
