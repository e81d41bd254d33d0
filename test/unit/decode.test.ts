import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, decodeObject } from '../../src/ingest/decode.js';
import { LogShapeError } from '../../src/ingest/record-scanner.js';

const doc = Buffer.from('{"Records":[{"eventName":"x"}]}');
/** Limits under which every gzip object of more than 64 bytes of text is read in pieces. */
const SMALL_WHOLE: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, wholeBytes: 64, pieceBytes: 100 };

/** The whole text, and how it came: in one buffer or in pieces. */
async function decode(
  bytes: Buffer,
  limits?: DecodeLimits,
): Promise<{ text: Buffer; pieces: number }> {
  const decoded = decodeObject(bytes, limits);
  if ('whole' in decoded) return { text: decoded.whole, pieces: 0 };
  const pieces: Buffer[] = [];
  for await (const piece of decoded.pieces) pieces.push(piece);
  return { text: Buffer.concat(pieces), pieces: pieces.length };
}

async function reason(bytes: Buffer, limits?: DecodeLimits): Promise<string> {
  try {
    await decode(bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(LogShapeError);
    return (error as Error).message;
  }
  throw new Error('expected decoding to fail');
}

describe('decodeObject', () => {
  it('gunzips by magic bytes, whatever the name', async () => {
    expect((await decode(gzipSync(doc))).text.equals(doc)).toBe(true);
  });

  it('passes plain JSON through', () => {
    expect(decodeObject(doc)).toEqual({ whole: doc });
  });

  it('reads concatenated gzip members as one document', async () => {
    const two = Buffer.concat([gzipSync(doc.subarray(0, 10)), gzipSync(doc.subarray(10))]);
    expect((await decode(two)).text.equals(doc)).toBe(true);
  });

  it('reads a large document whose last gzip member records only its own size', async () => {
    // The output buffer is sized from the trailer, which here covers only the 10-byte member.
    const big = Buffer.from(`{"Records":[${'{"eventName":"GetObject"},'.repeat(40_000)}{}]}`);
    const two = Buffer.concat([gzipSync(big.subarray(0, -10)), gzipSync(big.subarray(-10))]);
    expect((await decode(two)).text.equals(big)).toBe(true);
    expect((await decode(gzipSync(big))).text.equals(big)).toBe(true);
  });

  it('hands a text larger than the whole-object limit out in pieces', async () => {
    const big = Buffer.from(`{"Records":[${'{"eventName":"GetObject"},'.repeat(100)}{}]}`);
    const { text, pieces } = await decode(gzipSync(big), SMALL_WHOLE);
    expect(text.equals(big)).toBe(true);
    expect(pieces).toBe(Math.ceil(big.length / 100));
    // A size field that understates the text (it covers the last member only) is no obstacle.
    const two = Buffer.concat([gzipSync(big.subarray(0, -10)), gzipSync(big.subarray(-10))]);
    const split = await decode(two, SMALL_WHOLE);
    expect(split.text.equals(big)).toBe(true);
    expect(split.pieces).toBeGreaterThan(1);
    expect((await decode(gzipSync(doc), SMALL_WHOLE)).pieces).toBe(0);
  });

  it.each([
    ['empty', Buffer.alloc(0), 'the file is empty'],
    [
      'not gzip',
      Buffer.from('PK\u0003\u0004 zip bytes'),
      'neither gzip nor JSON (the first bytes are not a gzip header, "{", "[" or a CloudWatch Logs export line\'s time)',
    ],
    [
      'truncated gzip',
      gzipSync(doc).subarray(0, 20),
      'truncated gzip data (unexpected end of file)',
    ],
  ])('refuses %s', async (_name, bytes, expected) => {
    expect(await reason(bytes)).toBe(expected);
  });

  it('refuses a truncated large object with the same reason, once its pieces are read', async () => {
    const big = gzipSync(Buffer.from(`{"Records":[${'{"a":"b"},'.repeat(5000)}{}]}`));
    expect(await reason(big.subarray(0, big.length - 100), SMALL_WHOLE)).toBe(
      'truncated gzip data (unexpected end of file)',
    );
  });

  it('refuses corrupt gzip data with zlib reason', async () => {
    const bad = gzipSync(doc);
    bad[bad.length - 5] = (bad[bad.length - 5] ?? 0) ^ 0xff; // damage the stored length/CRC
    expect(await reason(bad)).toMatch(/^corrupt gzip data \(|^truncated gzip data/);
    expect(await reason(bad, SMALL_WHOLE)).toMatch(/^corrupt gzip data \(|^truncated gzip data/);
  });

  it('refuses an object that decompresses past the limit, whole or in pieces', async () => {
    const zeros = gzipSync(Buffer.alloc(10_000, 0x20));
    const expected = 'decompresses to more than 1000 bytes, the most one object may hold';
    expect(await reason(zeros, { ...DEFAULT_DECODE_LIMITS, maxBytes: 1000 })).toBe(expected);
    expect(await reason(zeros, { ...SMALL_WHOLE, maxBytes: 1000 })).toBe(expected);
  });
});
