import { describe, expect, it } from 'vitest';
import { LogShapeError, RecordScanner, scanRecords } from '../../src/ingest/record-scanner.js';

function records(text: string): string[] {
  const buf = Buffer.from(text);
  const { starts, ends } = scanRecords(buf);
  return starts.map((s, i) => buf.subarray(s, ends[i]).toString());
}

function reason(text: string | Buffer): string {
  try {
    scanRecords(Buffer.isBuffer(text) ? text : Buffer.from(text));
  } catch (error) {
    expect(error).toBeInstanceOf(LogShapeError);
    return (error as Error).message;
  }
  throw new Error('expected the scan to fail');
}

describe('scanRecords', () => {
  it('finds each record of a compact document', () => {
    expect(records('{"Records":[{"a":1},{"b":"x"}]}')).toEqual(['{"a":1}', '{"b":"x"}']);
  });

  it('handles an empty Records array and other top-level keys', () => {
    expect(records('{"x":[1,{"y":"]"}],"Records":[],"z":null}')).toEqual([]);
  });

  it('skips brackets and escaped quotes inside strings', () => {
    const doc = '{"Records":[{"m":"a \\"}] { [","n":"\\\\"},{"k":"\\\\\\""}]}';
    expect(records(doc)).toEqual(['{"m":"a \\"}] { [","n":"\\\\"}', '{"k":"\\\\\\""}']);
  });

  it('blanks line breaks between tokens so each record fits on one line', () => {
    const doc = '{\r\n "Records": [\n  {\n   "a": "x\\ny",\n   "b": [1,\n 2]\n  }\n ]\n}\n';
    const [record] = records(doc);
    expect(record).not.toMatch(/[\r\n]/);
    expect(JSON.parse(record ?? '')).toEqual({ a: 'x\ny', b: [1, 2] });
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(records('\ufeff{"Records":[{"a":1}]}')).toEqual(['{"a":1}']);
  });

  it.each([
    ['', 'the file is empty'],
    ['   ', 'the file is empty'],
    ['[{"a":1}]', 'the JSON document is an array, not {"Records": [...]}'],
    ['hello', 'not a CloudTrail log: the file does not start with a JSON object'],
    ['{"records":[]}', 'no "Records" array in the JSON document'],
    ['{}', 'no "Records" array in the JSON document'],
    ['{"Records":{"a":1}}', '"Records" is not an array'],
    ['{"Records":"x"}', '"Records" is not an array'],
    ['{"Records":[{"a":1},"text"]}', 'record 1 is not a JSON object'],
    ['{"Records":[null]}', 'record 0 is not a JSON object'],
    ['{"Records":[{"a":1},]}', 'trailing comma in the "Records" array'],
    ['{"Records":[],"Records":[]}', 'the document has two "Records" keys'],
    ['{"Records":[{"a":1}]} x', 'unexpected data after the JSON document at byte 22'],
    ['{"Records":[{"a":1}', 'JSON ends early at byte 19 (truncated file?)'],
    ['{"Records":[{"a":"unterminated', 'JSON ends early at byte 30 (truncated file?)'],
    ['{"Records":[{"a":1}] "b":2}', "expected ',' or '}' at byte 21"],
  ])('refuses %j: %s', (doc, expected) => {
    expect(reason(doc)).toBe(expected);
  });

  it.each([
    ['a line feed', '\n'],
    ['a carriage return', '\r'],
  ])(
    'refuses %s inside a string, which JSON forbids and would split the record',
    (_, lineBreak) => {
      const doc = `{"Records":[{"a":"ok"},\n {"a":1,\n "b":"x${lineBreak}y"}]}`;
      expect(reason(doc)).toBe(
        'record 1 is not valid JSON: a string holds a raw line break (JSON writes it as \\n or \\r)',
      );
    },
  );

  it('refuses raw control byte 0x01, which JSON forbids and the scratch format uses', () => {
    expect(reason(Buffer.from('{"Records":[{"a":"x\u0001"}]}'))).toBe(
      'invalid JSON: raw control character 0x01 at byte 19',
    );
  });

  it.each([
    ['a lone 0xFF', [0xff], 'byte 0xff at byte 16'],
    ['0xFF 0xFE (a UTF-16 mark)', [0xff, 0xfe], 'byte 0xff at byte 16'],
    ['a truncated 3-byte sequence', [0xe2, 0x82], 'byte 0xe2 at byte 16'],
    ['an overlong encoding of "/"', [0xc0, 0xaf], 'byte 0xc0 at byte 16'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 'byte 0xed at byte 16'],
  ])(
    'refuses a record that is not UTF-8 (%s), naming the record and the byte',
    (_, bytes, where) => {
      const ok = Buffer.from('{"userAgent":"é€𝄞"},');
      const bad = Buffer.concat([
        Buffer.from('{"userAgent":"ab'),
        Buffer.from(bytes),
        Buffer.from('cd"}'),
      ]);
      const doc = Buffer.concat([Buffer.from('{"Records":['), ok, ok, bad, Buffer.from(']}')]);
      expect(reason(doc)).toBe(`record 2 is not valid UTF-8 (${where} of the record)`);
    },
  );

  it('refuses a document with more records than its bound as soon as it sees the next one', () => {
    const scanner = new RecordScanner(3);
    expect(scanner.scan(Buffer.from('{"Records":[{},{},{}]}'), true).starts).toHaveLength(3);
    expect(() => new RecordScanner(3).scan(Buffer.from('{"Records":[{},{},{},{}'), false)).toThrow(
      'holds more than 3 records, the most one object may hold',
    );
  });
});
