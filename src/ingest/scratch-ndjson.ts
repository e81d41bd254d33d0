/**
 * Writes one object's records as the scratch lines DuckDB reads: `<sha256 hex><record JSON>`,
 * one per line. The checksum is taken here, over the record's bytes as they came out of the
 * source object, with Node's native SHA-256 — several times faster than hashing in SQL.
 */
import { hash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { RecordRanges } from './record-scanner.js';

export const CHECKSUM_HEX_LENGTH = 64;
const NEWLINE = 0x0a;

export function scratchLines(doc: Buffer, ranges: RecordRanges): Buffer {
  const { starts, ends } = ranges;
  const count = starts.length;
  let size = count > 0 ? count - 1 : 0;
  for (let i = 0; i < count; i++) size += CHECKSUM_HEX_LENGTH + (ends[i] ?? 0) - (starts[i] ?? 0);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const record = doc.subarray(starts[i], ends[i]);
    if (i > 0) out[at++] = NEWLINE;
    at += out.write(hash('sha256', record, 'hex'), at, 'latin1');
    at += record.copy(out, at);
  }
  return out;
}

export async function writeScratchLines(file: string, doc: Buffer, ranges: RecordRanges): Promise<void> {
  await writeFile(file, scratchLines(doc, ranges));
}
