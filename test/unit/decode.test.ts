import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeObjectBytes } from '../../src/ingest/decode.js';
import { LogShapeError } from '../../src/ingest/record-scanner.js';

const doc = Buffer.from('{"Records":[{"eventName":"x"}]}');

function reason(bytes: Buffer, max?: number): string {
  try {
    decodeObjectBytes(bytes, max);
  } catch (error) {
    expect(error).toBeInstanceOf(LogShapeError);
    return (error as Error).message;
  }
  throw new Error('expected decoding to fail');
}

describe('decodeObjectBytes', () => {
  it('gunzips by magic bytes, whatever the name', () => {
    expect(decodeObjectBytes(gzipSync(doc)).equals(doc)).toBe(true);
  });

  it('passes plain JSON through', () => {
    expect(decodeObjectBytes(doc)).toBe(doc);
  });

  it('reads concatenated gzip members as one document', () => {
    const two = Buffer.concat([gzipSync(doc.subarray(0, 10)), gzipSync(doc.subarray(10))]);
    expect(decodeObjectBytes(two).equals(doc)).toBe(true);
  });

  it('reads a large document whose last gzip member records only its own size', () => {
    // The output buffer is sized from the trailer, which here covers only the 10-byte member.
    const big = Buffer.from(`{"Records":[${'{"eventName":"GetObject"},'.repeat(40_000)}{}]}`);
    const two = Buffer.concat([gzipSync(big.subarray(0, -10)), gzipSync(big.subarray(-10))]);
    expect(decodeObjectBytes(two).equals(big)).toBe(true);
    expect(decodeObjectBytes(gzipSync(big)).equals(big)).toBe(true);
  });

  it.each([
    ['empty', Buffer.alloc(0), 'the file is empty'],
    [
      'not gzip',
      Buffer.from('PK\u0003\u0004 zip bytes'),
      'neither gzip nor JSON (the first bytes are not a gzip header or "{")',
    ],
    [
      'truncated gzip',
      gzipSync(doc).subarray(0, 20),
      'truncated gzip data (unexpected end of file)',
    ],
  ])('refuses %s', (_name, bytes, expected) => {
    expect(reason(bytes)).toBe(expected);
  });

  it('refuses corrupt gzip data with zlib reason', () => {
    const bad = gzipSync(doc);
    bad[bad.length - 5] = (bad[bad.length - 5] ?? 0) ^ 0xff; // damage the stored length/CRC
    expect(reason(bad)).toMatch(/^corrupt gzip data \(|^truncated gzip data/);
  });

  it('refuses an object that decompresses past the limit', () => {
    expect(reason(gzipSync(Buffer.alloc(10_000, 0x20)), 1000)).toBe(
      'decompresses to more than 1000 bytes, the most one object may hold',
    );
  });
});
