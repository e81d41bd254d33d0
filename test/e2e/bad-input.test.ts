import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { Rng } from '../../fixtures/generator/rng.js';
import { MAX_RECORD_BYTES } from '../../src/ingest/part-sql.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';

const record = (i: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '1.09',
  eventTime: '2024-05-09T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  eventID: `id-${String(i)}`,
  ...extra,
});
const doc = (records: unknown[]): string => JSON.stringify({ Records: records });

describe('bad input: every readable object is committed, every bad one named', () => {
  const dir = tempDir('bad');
  const archive = path.join(dir, 'archive');
  const bad = path.join(archive, 'odd');
  const lake = path.join(dir, 'lake');
  const goodDoc = doc([record(1), record(2), record(3)]);
  let goodEvents = 0;
  const badReasons: Record<string, string> = {
    'truncated.json.gz': 'truncated gzip data (unexpected end of file)',
    'not-gzip.json.gz':
      'neither gzip nor JSON (the first bytes are not a gzip header, "{", "[" or a CloudWatch Logs export line\'s time)',
    'invalid-json.json.gz': 'record 1 is not valid JSON (invalid literal at byte 14)',
    'no-records.json.gz': 'no CloudTrail events in the JSON object (ctlake reads',
    'records-not-array.json.gz': '"Records" is not an array',
    'record-not-object.json.gz': 'record 1 is not a JSON object',
    'oversized-record.json.gz':
      'record 1 is 3.0 MiB, more than the 2 MiB a CloudTrail event can be',
    // A raw line break in a string would split the record's line in the scratch file.
    'raw-line-break.json.gz':
      'record 1 is not valid JSON: a string holds a raw line break (JSON writes it as \\n or \\r)',
    // Large objects are read through a window: these fail after some records were read.
    'big-truncated.json.gz': 'truncated gzip data (unexpected end of file)',
    'big-late-shape-error.json.gz': 'record 13000 is not a JSON object',
    // One invalid UTF-8 byte once made DuckDB fail every object of the batch (an internal error).
    'invalid-utf8.json.gz': 'record 1 is not valid UTF-8 (byte 0xff at byte',
    // 12 KB of gzip, 2 million records: each would cost a scratch line and a row.
    'tiny-records.json.gz': 'holds more than 2,000,000 records, the most one object may hold',
  };
  let first: { code: number | null; stderr: string };

  beforeAll(async () => {
    const manifest = await generateArchive({
      outDir: archive,
      events: 500,
      seed: 3,
      end: new Date('2026-01-01T00:00:00Z'),
      days: 1,
    });
    goodEvents = manifest.events + manifest.insightEvents;
    mkdirSync(bad, { recursive: true });
    const rng = new Rng(99);
    const write = (name: string, bytes: Buffer | string): void => {
      writeFileSync(path.join(bad, name), bytes);
    };
    write('truncated.json.gz', gzipSync(goodDoc).subarray(0, 40));
    write(
      'not-gzip.json.gz',
      Buffer.from(
        Array.from({ length: 512 }, () => rng.int(0, 255)).map((b, i) => (i === 0 ? 0x50 : b)),
      ),
    );
    write('invalid-json.json.gz', gzipSync('{"Records":[{"a":1},{"eventName": tru}]}'));
    write('no-records.json.gz', gzipSync('{"records":[]}'));
    write('records-not-array.json.gz', gzipSync('{"Records":{"eventName":"x"}}'));
    write('record-not-object.json.gz', gzipSync('{"Records":[{"eventName":"ok"},42]}'));
    write(
      'oversized-record.json.gz',
      gzipSync(
        doc([record(5), record(6, { requestParameters: { policy: 'x'.repeat(3 * 2 ** 20) } })]),
      ),
    );
    write(
      'raw-line-break.json.gz',
      gzipSync('{"Records":[{"eventName":"ok"},{"eventName":"Get\nObject"}]}'),
    );
    // Odd but valid: each must be ingested.
    const largest = record(7, { requestParameters: { policy: '' } });
    const padding = MAX_RECORD_BYTES - Buffer.byteLength(JSON.stringify(largest));
    largest['requestParameters'] = { policy: 'p'.repeat(padding) };
    expect(Buffer.byteLength(JSON.stringify(largest))).toBe(MAX_RECORD_BYTES);
    write('largest-record.json.gz', gzipSync(doc([record(8), largest])));
    write(
      'stub.json.gz',
      gzipSync(
        doc([
          {
            eventSource: 'lambda.amazonaws.com',
            eventName: 'UpdateFunctionCode20150331v2',
            responseElements: { functionName: 'f' },
          },
        ]),
      ),
    );
    write(
      'unknown-fields.json.gz',
      gzipSync(doc([record(4, { brandNewField: { x: [1, 2] }, anotherOne: 'y' })])),
    );
    write(
      'host-case.json.gz',
      gzipSync(doc([record(5, { requestParameters: { Host: 'A.example', host: 'a.example' } })])),
    );
    write('plain.json', goodDoc);
    const invalidUtf8 = Buffer.from(doc([record(9), record(10, { userAgent: 'abXYcd' })]));
    invalidUtf8[invalidUtf8.indexOf('XY')] = 0xff;
    invalidUtf8[invalidUtf8.indexOf('Y')] = 0xfe;
    write('invalid-utf8.json.gz', gzipSync(invalidUtf8));
    write('tiny-records.json.gz', gzipSync(`{"Records":[${'{},'.repeat(2_000_000)}{}]}`));
    const big = Array.from({ length: 13_000 }, (_, i) =>
      record(100 + i, {
        requestParameters: { key: 'k'.repeat(1200), bucketName: `b-${String(i % 7)}` },
      }),
    );
    const bigDoc = doc(big);
    expect(bigDoc.length).toBeGreaterThan(16 * 1024 * 1024);
    const bigGzip = gzipSync(bigDoc);
    write('big.json.gz', bigGzip);
    write('big-truncated.json.gz', bigGzip.subarray(0, Math.floor(bigGzip.length * 0.7)));
    write('big-late-shape-error.json.gz', gzipSync(`${bigDoc.slice(0, -2)},42]}`));
    // A large uncompressed file is streamed like a large gzip one, never held whole.
    write('big-plain.json', bigDoc);
    goodEvents += 1 + 1 + 1 + 3 + 2 + big.length * 2;
    first = await ctlake(['ingest', archive, '--lake', lake]);
  }, 300_000);

  it('exits non-zero and names each bad object with its reason, one line each, no stack trace', () => {
    expect(first.code).toBe(1);
    const lines = first.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('ctlake: '));
    for (const [name, reason] of Object.entries(badReasons)) {
      const line = lines.find((l) => l.includes(`${path.join(bad, name)}: `));
      expect(line, name).toBeDefined();
      expect(line).toContain(reason);
    }
    expect(lines).toHaveLength(Object.keys(badReasons).length);
    expect(first.stderr).not.toMatch(/^\s+at /m);
    expect(first.stderr).toContain(`${Object.keys(badReasons).length} errors`);
  });

  it('commits every readable object, odd shapes included', async () => {
    const [row] = await queryRows(
      lake,
      `SELECT count(*) AS n, count(*) FILTER (WHERE "sourceObject" LIKE '%/odd/%') AS odd FROM cloudtrail`,
    );
    expect(row?.['n']).toBe(goodEvents);
    const [host] = await queryRows(
      lake,
      `SELECT "requestParameters" AS p FROM cloudtrail WHERE "eventID" = 'id-5'`,
    );
    expect(host?.['p']).toEqual({ Host: 'A.example', host: 'a.example' });
  });

  it('records each failure in the catalog', async () => {
    const instance = await DuckDBInstance.create(path.join(lake, 'catalog.duckdb'), {
      access_mode: 'READ_ONLY',
    });
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`SELECT uri, reason FROM errors ORDER BY uri`);
    const errors = reader.getRowObjectsJS();
    connection.closeSync();
    instance.closeSync();
    expect(errors.map((e) => path.basename(e['uri'] as string)).sort()).toEqual(
      Object.keys(badReasons).sort(),
    );
  });

  it('ingests just the fixed object on a re-run, and nothing twice', async () => {
    writeFileSync(path.join(bad, 'truncated.json.gz'), gzipSync(goodDoc));
    const again = await ctlake(['ingest', archive, '--lake', lake]);
    expect(again.code).toBe(1);
    expect(again.stderr).not.toContain(`${path.join(bad, 'truncated.json.gz')}: `);
    expect(again.stderr).toContain(`${Object.keys(badReasons).length} objects, 3 events`);
    const [row] = await queryRows(
      lake,
      `SELECT count(*) AS n, count(DISTINCT ("sourceObject", "recordIndex")) AS keys FROM cloudtrail`,
    );
    expect(row).toEqual({ n: goodEvents + 3, keys: goodEvents + 3 });
  });
});
