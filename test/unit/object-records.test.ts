import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../fixtures/generator/rng.js';
import { DEFAULT_DECODE_LIMITS } from '../../src/ingest/decode.js';
import {
  DEFAULT_READ_LIMITS,
  type ReadLimits,
  readObjectRecords,
} from '../../src/ingest/object-records.js';
import { LogShapeError } from '../../src/ingest/record-scanner.js';
import { type ObjectBody, openObject, WHOLE_OBJECT_BYTES } from '../../src/source/fetch-object.js';
import { tempDir } from '../util/temp-dir.js';

interface Read {
  readonly records: string[];
  /** How many sink calls delivered them. */
  readonly calls: number;
}

/** Every record text the sink receives, checking that record numbers follow on across calls. */
async function read(bytes: ObjectBody, limits?: ReadLimits): Promise<Read> {
  const records: string[] = [];
  let calls = 0;
  const result = await readObjectRecords(
    bytes,
    (text, { starts, ends }, firstRecord) => {
      expect(firstRecord).toBe(records.length);
      starts.forEach((start, i) => records.push(text.toString('utf8', start, ends[i])));
      calls++;
    },
    limits,
  );
  expect(result.records).toBe(records.length);
  return { records, calls };
}

async function reason(bytes: Buffer, limits?: ReadLimits): Promise<string> {
  try {
    await read(bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(LogShapeError);
    return (error as Error).message;
  }
  throw new Error('expected the read to fail');
}

/** Limits that send every gzip object through a window of `windowBytes`, `pieceBytes` at a time. */
function streamed(
  pieceBytes: number,
  windowBytes: number,
  maxRecordBytes = windowBytes,
): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, wholeBytes: 0, pieceBytes, windowBytes, maxRecordBytes };
}

const SPACES = [' ', '\n', '\r\n', '\t', ''];

/** A log document with the awkward shapes a window boundary can fall into. */
function awkwardDocument(rng: Rng): string {
  const space = (): string => rng.pick(SPACES).repeat(rng.int(0, 3));
  const text = (): string =>
    JSON.stringify(rng.chars(rng.int(0, 40), 'ab{}[]",:\\\n é')).slice(1, -1);
  const value = (depth: number): string => {
    const kind = rng.int(0, depth > 2 ? 2 : 4);
    if (kind === 0) return `"${text()}"`;
    if (kind === 1) return rng.pick(['true', 'null', '-12.5e3', '0']);
    if (kind === 2) return `${space()}"${text()}"`;
    if (kind === 3)
      return `[${space()}${[value(depth + 1), value(depth + 1)].join(`${space()},`)}]`;
    return `{${space()}"${text()}"${space()}:${space()}${value(depth + 1)}${space()}}`;
  };
  const record = (): string =>
    `{${Array.from({ length: rng.int(0, 6) }, () => `"${text()}":${space()}${value(0)}`).join(`,${space()}`)}}`;
  const records = Array.from({ length: rng.int(0, 60) }, record);
  const members = [
    `"Records"${space()}:${space()}[${space()}${records.join(`${space()},${space()}`)}${space()}]`,
  ];
  if (rng.chance(0.3)) members.unshift(`"before":${value(0)}`);
  if (rng.chance(0.3)) members.push(`"after":${value(0)}`);
  const bom = rng.chance(0.2) ? '\ufeff' : '';
  return `${bom}${space()}{${space()}${members.join(`${space()},${space()}`)}${space()}}${space()}`;
}

describe('readObjectRecords', () => {
  it('finds the same records whole and through windows of any size', async () => {
    const rng = new Rng(17);
    let split = 0;
    for (let n = 0; n < 60; n++) {
      const doc = Buffer.from(awkwardDocument(rng));
      const whole = await read(gzipSync(doc));
      expect(whole.calls).toBeLessThanOrEqual(1);
      const longest = Math.max(0, ...whole.records.map((r) => Buffer.byteLength(r)));
      const pieceBytes = rng.int(64, 200);
      // Large enough for the longest record and the values around the Records array.
      const windowBytes = longest + rng.int(1000, 3000);
      const windowed = await read(gzipSync(doc), streamed(pieceBytes, windowBytes));
      expect(windowed.records).toEqual(whole.records);
      if (windowed.calls > 1) split++;
    }
    expect(split).toBeGreaterThan(20);
  });

  it('gives a bad document the same reason whole and through a window', async () => {
    const docs = [
      '',
      '   ',
      '[{"a":1}]',
      '{"records":[]}',
      '{"Records":{"a":1}}',
      '{"Records":[{"a":1},"text"]}',
      '{"Records":[{"a":1},]}',
      '{"Records":[],"Records":[]}',
      '{"Records":[{"a":1}]} x',
      '{"Records":[{"a":1}',
      '{"Records":[{"a":"unterminated',
      '{"Records":[{"a":1}] "b":2}',
      `{"Records":[${'{"a":"b"},'.repeat(50)}{"a":"x\u0001"}]}`,
      `{"Records":[${'{"a":"b"},\n'.repeat(50)}{"a":"x\ny"}]}`,
      `{"Records":[${'{"a":"b"},\r\n'.repeat(50)}{"a":"x\ry"}]}`,
      `{"Records":[${'{"a":"b"},'.repeat(50)}{"a":1} {"b":2}]}`,
      `{"Records":[${'{"a":"b"},'.repeat(50)}{"a":"${'x'.repeat(300)}"}]}`,
    ];
    const limits = { ...DEFAULT_READ_LIMITS, maxRecordBytes: 200 };
    for (const doc of docs) {
      const whole = await reason(gzipSync(doc), limits);
      for (const pieceBytes of [64, 77, 150]) {
        expect(await reason(gzipSync(doc), streamed(pieceBytes, 400, 200))).toBe(whole);
      }
    }
  });

  it('refuses a record that does not fit in the window, naming it', async () => {
    const doc = `{"Records":[{"a":1},{"a":"${'x'.repeat(5000)}"}]}`;
    expect(await reason(gzipSync(doc), streamed(100, 1000, 500))).toMatch(
      /^record 1 is larger than [\d.]+ MiB, more than the [\d.]+ MiB a CloudTrail event can be$/,
    );
    const outside = `{"other":"${'x'.repeat(5000)}","Records":[]}`;
    expect(await reason(gzipSync(outside), streamed(100, 1000))).toMatch(
      /^a JSON value outside an array of records is larger than [\d.]+ MiB$/,
    );
  });

  it('reads a text larger than the whole-object limit through a window that stays small', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => `{"eventID":"${String(i)}"}`);
    const doc = Buffer.from(`{"Records":[${records.join(',')}]}`);
    const limits: ReadLimits = {
      ...DEFAULT_READ_LIMITS,
      ...DEFAULT_DECODE_LIMITS,
      wholeBytes: 4096,
      pieceBytes: 1024,
      windowBytes: 8192,
    };
    const { records: found, calls } = await read(gzipSync(doc), limits);
    expect(found).toEqual(records);
    expect(calls).toBeGreaterThanOrEqual(Math.floor(doc.length / 8192));
  });

  it('streams a large file from disk, plain or gzip, never reading it whole', async () => {
    const dir = tempDir('stream');
    const records = Array.from(
      { length: 12_000 },
      (_, i) => `{"eventID":"${String(i)}","key":"${'k'.repeat(1500)}"}`,
    );
    const doc = Buffer.from(`{"Records":[${records.join(',')}]}`);
    expect(doc.length).toBeGreaterThan(WHOLE_OBJECT_BYTES);
    const plain = path.join(dir, 'large.json');
    writeFileSync(plain, doc);
    const gzip = path.join(dir, 'large.json.gz');
    writeFileSync(gzip, gzipSync(doc, { level: 0 }));
    for (const file of [plain, gzip]) {
      const body = await openObject({ kind: 'file', path: file }, statSync(file).size);
      expect(Buffer.isBuffer(body)).toBe(false);
      const { records: found, calls } = await read(body);
      expect(found).toEqual(records);
      expect(calls).toBeGreaterThan(1);
    }
  });

  it('refuses a large plain file over the text bound while streaming it', async () => {
    const dir = tempDir('stream');
    const file = path.join(dir, 'large.json');
    writeFileSync(file, `{"Records":[{"a":"${'x'.repeat(WHOLE_OBJECT_BYTES)}"}]}`);
    const body = await openObject({ kind: 'file', path: file }, statSync(file).size);
    await expect(
      readObjectRecords(body, () => undefined, { ...DEFAULT_READ_LIMITS, maxBytes: 8 * 2 ** 20 }),
    ).rejects.toThrow('decompresses to more than 8388608 bytes, the most one object may hold');
  });
});
