import { describe, expect, it } from 'vitest';
import {
  decodeEmbeddedRecord,
  EVENT_FORMS_HINT,
  LogShapeError,
  RecordScanner,
  restoreLineBreaks,
  scanRecords,
} from '../../src/ingest/record-scanner.js';

/** Each record's text as ingest keeps it: placeholders restored, embedded events decoded. */
function records(text: string): string[] {
  const buf = Buffer.from(text);
  const { starts, ends, embedded } = scanRecords(buf);
  return starts.map((s, i) => {
    const literal = buf.subarray(s, ends[i]);
    if (embedded?.[i] !== true) return restoreLineBreaks(literal).toString();
    const event = decodeEmbeddedRecord(literal, i);
    return restoreLineBreaks(event.text.subarray(event.start, event.end)).toString();
  });
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

  it('keeps each record on one line, and its bytes exactly, line breaks and all', () => {
    const record = '{\r\n   "a": "x\\ny",\n\t"b": [1,\r\n 2]\r\n  }';
    const doc = Buffer.from(`{\r\n "Records": [\n  ${record}\n ]\n}\n`);
    const found = scanRecords(doc);
    const inScratch = doc.subarray(found.starts[0], found.ends[0]);
    expect(inScratch.toString()).not.toMatch(/[\r\n]/);
    expect(found.placeholders).toBe(true);
    expect(restoreLineBreaks(inScratch).toString()).toBe(record);
  });

  it('reads every form events travel in to the same records', () => {
    const a = { eventVersion: '1.09', eventName: 'A', eventTime: '2024-05-09T10:11:12Z' };
    const b = { eventVersion: '1.09', eventName: 'B "quoted"', eventTime: '2024-05-09T10:11:13Z' };
    const compact = [JSON.stringify(a), JSON.stringify(b)];
    const envelope = (event: object): string =>
      JSON.stringify({
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.s3',
        detail: event,
      });
    const forms: Record<string, string> = {
      records: `{"Records":[${compact.join(',')}]}`,
      ndjson: `${compact.join('\n')}\n`,
      crlfNdjson: `${compact.join('\r\n')}\r\n`,
      concatenated: compact.join(''),
      array: `[${compact.join(', ')}]`,
      lookupEvents: [a, b]
        .map((e) =>
          JSON.stringify({
            Events: [{ EventId: '1', CloudTrailEvent: JSON.stringify(e) }],
            NextToken: 'x',
          }),
        )
        .join('\n'),
      filterLogEvents: JSON.stringify({
        events: [a, b].map((e, i) => ({
          logStreamName: 's',
          timestamp: i,
          message: JSON.stringify(e),
        })),
        searchedLogStreams: [],
      }),
      subscription: [a, b]
        .map((e) =>
          JSON.stringify({
            messageType: 'DATA_MESSAGE',
            logEvents: [{ id: '1', message: JSON.stringify(e) }],
          }),
        )
        .join(''),
      exportLines: compact.map((r) => `2024-05-09T10:11:12.000Z ${r}`).join('\n'),
      eventBridge: `${envelope(a)}\n${envelope(b)}`,
    };
    for (const [form, text] of Object.entries(forms)) {
      expect(
        records(text).map((r) => JSON.parse(r) as unknown),
        form,
      ).toEqual([a, b]);
    }
    expect(records(JSON.stringify(a))).toEqual([JSON.stringify(a)]);
    // lookup-events output whose CloudTrailEvent a tool has parsed: the object is the record.
    expect(records(`{"Events":[{"EventId":"1","CloudTrailEvent":${JSON.stringify(a)}}]}`)).toEqual([
      JSON.stringify(a),
    ]);
    // A detail or an event kept in place is its exact bytes, not a re-serialisation.
    expect(
      records(`{"detail-type":"AWS API Call via CloudTrail","detail":{ "eventName" :"A" }}`),
    ).toEqual(['{ "eventName" :"A" }']);
  });

  it.each([
    ['"not json"', 'record 4: the string that should hold the event is not a JSON object'],
    ['"[1]"', 'record 4: the string that should hold the event is not a JSON object'],
    ['"{\\"a\\":1} x"', 'record 4: the string that should hold the event is not a JSON object'],
    [
      '"{\\"a\\":\\"\\u0001\\"}"',
      'record 4: invalid JSON: raw control character 0x01 at byte 6 of its event text',
    ],
  ])('refuses an embedded event %s: %s', (literal, expected) => {
    expect(() => decodeEmbeddedRecord(Buffer.from(literal), 4)).toThrow(expected);
  });

  it('skips a CloudWatch Logs subscription control message, whose log events are not events', () => {
    const control = JSON.stringify({
      messageType: 'CONTROL_MESSAGE',
      logEvents: [
        { id: '1', message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' },
      ],
    });
    const data = JSON.stringify({
      messageType: 'DATA_MESSAGE',
      logEvents: [{ message: '{"eventName":"A"}' }],
    });
    expect(records(control + data)).toEqual(['{"eventName":"A"}']);
  });

  it('accepts an empty array and an empty Records array as documents of no events', () => {
    expect(records('[]')).toEqual([]);
    expect(records('{"Records":[]}')).toEqual([]);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(records('\ufeff{"Records":[{"a":1}]}')).toEqual(['{"a":1}']);
  });

  it.each([
    ['', 'the file is empty'],
    ['   ', 'the file is empty'],
    ['[{"a":1}]', `record 0 is not a CloudTrail event (${EVENT_FORMS_HINT})`],
    [
      'hello',
      `not CloudTrail events: the file does not start with a JSON value (${EVENT_FORMS_HINT})`,
    ],
    ['{"records":[]}', `no CloudTrail events in the JSON object (${EVENT_FORMS_HINT})`],
    ['{}', `no CloudTrail events in the JSON object (${EVENT_FORMS_HINT})`],
    ['{"eventName":"A"} {"x":1}', `record 1 is not a CloudTrail event (${EVENT_FORMS_HINT})`],
    [
      '{"detail-type":"EC2 Instance State-change Notification","detail":{}}',
      'record 0 is an EventBridge event of type "EC2 Instance State-change Notification", not one "via CloudTrail"',
    ],
    [
      '2024-05-09 {"eventName":"A"}',
      `not CloudTrail events: the file does not start with a JSON value (${EVENT_FORMS_HINT})`,
    ],
    ['2024-05-09T10:11:12Z "x"', 'record 0: no JSON object after the time at byte 21'],
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
