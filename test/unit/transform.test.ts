import { createHash } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it, vi } from 'vitest';
import { quotedString } from '../../src/duckdb/sql-text.js';
import { UsageError } from '../../src/errors.js';
import { benchRowForm, ROW_FORM_ENV } from '../../src/ingest/part-sql.js';
import { type JsonValue, jsonValueConverter } from '../../src/query/json-value.js';
import {
  eventTableColumns,
  recordProjection,
  recordTransformSpec,
} from '../../src/schema/transform.js';
import { transformRecords } from '../util/transform-records.js';

/** The value with the keys of every object lower-cased, down to `depth` levels (all by default). */
function lowerKeys(value: unknown, depth = Infinity): unknown {
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => lowerKeys(v, depth));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.toLowerCase(), lowerKeys(v, depth - 1)]),
  );
}

/**
 * Values of SQL `expressions` over one record's event row, built by the projection alone: for
 * what the row's JavaScript form cannot show, such as how many entries a map holds.
 */
async function selectOverRow(record: string, expressions: readonly string[]): Promise<JsonValue[]> {
  const { inner, outer } = recordProjection('r', 'json');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const reader = await connection.runAndReadAll(
      `SELECT ${expressions.join(', ')} FROM (
        SELECT ${outer.join(', ')}, "eventJson" FROM (
          SELECT ${inner.join(', ')}, json AS "eventJson" FROM (
            SELECT json, json_transform(json, ${quotedString(recordTransformSpec())}) AS r
            FROM (SELECT ${quotedString(record)} AS json))))`,
    );
    return reader.convertRows(jsonValueConverter)[0] ?? [];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** eventTime forms CloudTrail and its exporters write, with the UTC instant each is read as. */
const EVENT_TIMES: [string, string | null][] = [
  ['2024-05-09T10:11:12Z', '2024-05-09T10:11:12Z'],
  ['2025-01-21 17:39:10.000000000', '2025-01-21T17:39:10Z'],
  ['2021-02-12 10:02:02.318+0000', '2021-02-12T10:02:02.318Z'],
  ['2024-07-08T17:06:49.1234567Z', '2024-07-08T17:06:49.123456Z'],
  ['2024-01-01T05:00:00+05:00', '2024-01-01T00:00:00Z'],
  ['2021-05-20 15:53:47Z', '2021-05-20T15:53:47Z'],
  ['redacted', null],
];

/** A record using most of the schema, in CloudTrail's spelling. */
const CANONICAL_RECORD = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROA:s',
    arn: 'arn:aws:sts::1:assumed-role/R/s',
    accountId: '1',
    accessKeyId: 'ASIA',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA',
        arn: 'arn:r',
        accountId: '1',
        userName: 'R',
      },
      webIdFederationData: { federatedProvider: 'p', attributes: { aud: 'x' } },
      attributes: { creationDate: '2024-05-09T10:00:00Z', mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2024-05-09T10:11:12Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'us-east-1',
  sourceIPAddress: '192.0.2.1',
  requestParameters: { bucketName: 'b', Host: 'h' },
  requestID: 'q',
  eventID: 'e',
  readOnly: true,
  resources: [
    { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k' },
    { accountId: '1', arn: 'arn:b' },
  ],
  eventType: 'AwsApiCall',
  managementEvent: false,
  recipientAccountId: '1',
  eventCategory: 'Data',
  tlsDetails: { tlsVersion: 'TLSv1.3', clientProvidedHostHeader: 'b.s3.amazonaws.com' },
};

describe('record → event row', () => {
  it('produces every schema column, in order, plus the partition day', async () => {
    const [row] = await transformRecords(['{"eventName":"x"}']);
    expect(Object.keys(row ?? {})).toEqual([
      ...eventTableColumns().map((c) => c.name),
      'event_date',
    ]);
  });

  it('keeps the record text, its SHA-256 and its provenance', async () => {
    const text = '{"eventName":"A", "unknownFutureField": {"deep": [1, 2.50, "x"]}}';
    const rows = await transformRecords(['{"eventName":"first"}', text]);
    const row = rows[1] ?? {};
    expect(row['eventJson']).toBe(text);
    expect(row['eventJsonChecksum']).toBe(createHash('sha256').update(text).digest('hex'));
    expect(row['sourceObject']).toBe('test://object');
    expect(row['recordIndex']).toBe(1);
  });

  // `eventtime` is read by the fallback transform, which parses the text itself.
  it.each(
    EVENT_TIMES.flatMap(([input, expected]) => [
      ['eventTime', input, expected],
      ['eventtime', input, expected],
    ]),
  )('reads %s %j as %j (UTC)', async (key, input, expected) => {
    const [row] = await transformRecords([JSON.stringify({ [key]: input })]);
    expect(row?.['eventTime']).toBe(expected);
    expect(row?.['event_date']).toBe(expected === null ? null : expected.slice(0, 10));
  });

  it.each([
    ['2023-01-01t00:00:00z', '2023-01-01T00:00:00Z'],
    ['20131102T010628Z', '2013-11-02T01:06:28Z'],
    ['20131102t010628.25z', '2013-11-02T01:06:28.250Z'],
    ['20131102T060628+0500', '2013-11-02T01:06:28Z'],
    [1700000000, '2023-11-14T22:13:20Z'],
    [1700000000.5, '2023-11-14T22:13:20.500Z'],
    [1700000000123, '2023-11-14T22:13:20.123Z'],
    ['1700000000', '2023-11-14T22:13:20Z'],
    ['1700000000123', '2023-11-14T22:13:20.123Z'],
    ['1700000000123456', null],
  ])('reads eventTime %j in the fallback as %j (UTC)', async (input, expected) => {
    const [row] = await transformRecords([JSON.stringify({ eventTime: input })]);
    expect(row?.['eventTime']).toBe(expected);
    expect(row?.['event_date']).toBe(expected === null ? null : expected.slice(0, 10));
  });

  it('reads a session creationDate in ISO basic form, as older CloudTrail wrote it', async () => {
    const [row] = await transformRecords([
      JSON.stringify({
        eventTime: '2013-11-02T01:10:00Z',
        userIdentity: {
          type: 'IAMUser',
          principalId: 'AIDA',
          sessionContext: {
            attributes: { creationDate: '20131102T010628Z', mfaAuthenticated: 'true' },
          },
        },
      }),
    ]);
    expect(row?.['eventTime']).toBe('2013-11-02T01:10:00Z');
    expect(row?.['userIdentity']).toMatchObject({
      principalId: 'AIDA',
      sessionContext: {
        attributes: { creationDate: '2013-11-02T01:06:28Z', mfaAuthenticated: 'true' },
      },
    });
  });

  it.each([
    ['every level', Infinity],
    ['the top level only', 1],
  ])(
    'reads a record whose keys were lower-cased at %s like the canonical one',
    async (_, depth) => {
      const [canonical, lower] = await transformRecords([
        JSON.stringify(CANONICAL_RECORD),
        JSON.stringify(lowerKeys(CANONICAL_RECORD, depth)),
      ]);
      // The full canonical row, so the comparison below covers every kind of column.
      expect(canonical).toMatchObject({
        eventTime: '2024-05-09T10:11:12Z',
        readOnly: true,
        userIdentity: {
          principalId: 'AROA:s',
          sessionContext: {
            sessionIssuer: { userName: 'R' },
            webIdFederationData: { attributes: { aud: 'x' } },
            attributes: { creationDate: '2024-05-09T10:00:00Z' },
          },
        },
        resources: [{ arn: 'arn:aws:s3:::b/k' }, { accountId: '1', arn: 'arn:b' }],
        tlsDetails: { tlsVersion: 'TLSv1.3' },
      });
      // Map keys stay as written; the rest differs only in the record's own text and position.
      const differing = ['requestParameters', 'eventJson', 'eventJsonChecksum', 'recordIndex'];
      const rest = (row: Record<string, JsonValue> | undefined): Record<string, JsonValue> =>
        Object.fromEntries(Object.entries(row ?? {}).filter(([k]) => !differing.includes(k)));
      expect(rest(lower)).toEqual(rest(canonical));
      expect(lower?.['requestParameters']).toEqual(
        depth === 1 ? { bucketName: 'b', Host: 'h' } : { bucketname: 'b', host: 'h' },
      );
    },
  );

  it('prefers the canonical spelling when a record has both', async () => {
    const [row] = await transformRecords([
      '{"eventname":"lower","eventName":"canonical","eventtime":"2024-01-01T00:00:00Z","useridentity":{"type":"Root","principalid":"p"}}',
    ]);
    expect(row).toMatchObject({
      eventName: 'canonical',
      eventTime: '2024-01-01T00:00:00Z',
      userIdentity: { type: 'Root', principalId: 'p' },
    });
  });

  it('maps top-level keys to MAP values, nested values as JSON text, Host and host both kept', async () => {
    const [row] = await transformRecords([
      '{"requestParameters":{"bucketName":"b","Host":"H","host":"h","n":5,"flag":true,"obj":{"k":[1,"v"]},"none":null}}',
    ]);
    expect(row?.['requestParameters']).toEqual({
      bucketName: 'b',
      Host: 'H',
      host: 'h',
      n: '5',
      flag: 'true',
      obj: '{"k":[1,"v"]}',
      none: null,
    });
  });

  it('reads resources ARN (CloudTrail) and arn (other producers) into arn', async () => {
    const [row] = await transformRecords([
      '{"resources":[{"ARN":"arn:1","accountId":"1","type":"T"},{"arn":"arn:2","type":"U"},"{not an object}"]}',
    ]);
    expect(row?.['resources']).toEqual([
      { accountId: '1', type: 'T', arn: 'arn:1', arnPrefix: null },
      { accountId: null, type: 'U', arn: 'arn:2', arnPrefix: null },
      { accountId: null, type: null, arn: null, arnPrefix: null },
    ]);
  });

  it('reads resources accountid (lower case, other producers) into accountId', async () => {
    const [row] = await transformRecords([
      '{"eventTime":"2024-01-01T00:00:00Z","resources":[{"accountid":"1","arn":"arn:1"},{"accountId":"2","accountid":"3"}]}',
    ]);
    expect(row?.['resources']).toEqual([
      { accountId: '1', type: null, arn: 'arn:1', arnPrefix: null },
      { accountId: '2', type: null, arn: null, arnPrefix: null },
    ]);
  });

  it('reads booleans written as strings', async () => {
    const rows = await transformRecords([
      '{"readOnly":"True","managementEvent":false}',
      '{"readOnly":true}',
    ]);
    expect(rows.map((r) => [r['readOnly'], r['managementEvent']])).toEqual([
      [true, false],
      [true, null],
    ]);
  });

  it('fills userIdentity from lower-cased keys when the canonical ones are missing', async () => {
    const [lower, canonical] = await transformRecords([
      '{"userIdentity":{"type":"AssumedRole","principalid":"AROA:x","arn":"arn:r","accountid":"1","accesskeyid":"ASIA","sessioncontext":{"sessionissuer":{"type":"Role","username":"R"},"attributes":{"creationdate":"2024-01-01T00:00:00Z","mfaauthenticated":"false"}}}}',
      '{"userIdentity":{"type":"IAMUser","principalId":"AIDA","arn":"arn:u","accountId":"2","userName":"u","sessionContext":{"attributes":{"creationDate":"2024-01-02T03:04:05Z"}}}}',
    ]);
    const li = lower?.['userIdentity'] as Record<string, unknown>;
    expect(li['principalId']).toBe('AROA:x');
    expect(li['accountId']).toBe('1');
    expect(li['arn']).toBe('arn:r');
    expect(li['sessionContext']).toMatchObject({
      sessionIssuer: { type: 'Role', userName: 'R' },
      attributes: { creationDate: '2024-01-01T00:00:00Z', mfaAuthenticated: 'false' },
    });
    const ci = canonical?.['userIdentity'] as Record<string, unknown>;
    expect(ci).toMatchObject({ type: 'IAMUser', principalId: 'AIDA', userName: 'u' });
    expect(ci['sessionContext']).toMatchObject({
      attributes: { creationDate: '2024-01-02T03:04:05Z' },
    });
  });

  it('reads a 3-field stub and an empty object without error', async () => {
    const rows = await transformRecords([
      '{"eventSource":"lambda.amazonaws.com","eventName":"UpdateFunctionCode20150331v2","responseElements":{"functionName":"f"}}',
      '{}',
    ]);
    expect(rows[0]).toMatchObject({
      eventSource: 'lambda.amazonaws.com',
      eventTime: null,
      userIdentity: null,
      responseElements: { functionName: 'f' },
    });
    expect(rows[1]).toMatchObject({ eventName: null, eventJson: '{}' });
  });

  it.each([
    ['canonical', '"eventTime":"2024-01-01T00:00:00Z"', '{"type":"IAMUser","principalId":"P"'],
    // Lower-cased keys take the fallback transform, which keeps the same rule.
    ['lower-cased', '"eventtime":"2024-01-01T00:00:00Z"', '{"type":"IAMUser","principalid":"P"'],
  ])(
    'keeps the first of duplicated keys in a %s record, as json_extract does',
    async (_, time, identity) => {
      const record = `{${time},"eventName":"first","eventName":"second","userIdentity":${identity},"userName":"u1","userName":"u2","sessionContext":{"webIdFederationData":{"attributes":{"k":"1","j":"x","k":"2"}}}},"requestParameters":{"bucketName":"b1","key":"k","bucketName":"b2"}}`;
      const [row] = await transformRecords([record]);
      expect(row).toMatchObject({
        eventTime: '2024-01-01T00:00:00Z',
        eventName: 'first',
        userIdentity: {
          principalId: 'P',
          userName: 'u1',
          sessionContext: { webIdFederationData: { attributes: { k: '1', j: 'x' } } },
        },
        requestParameters: { bucketName: 'b1', key: 'k' },
      });
      expect(
        await selectOverRow(record, [
          'cardinality("requestParameters")',
          `cardinality("userIdentity"."sessionContext"."webIdFederationData"."attributes")`,
          `"requestParameters"['bucketName']`,
          // What json_extract_scalar(eventJson, …) in a user's query reads.
          `json_extract_string("eventJson", '$.eventName')`,
          `json_extract_string("eventJson", '$.userIdentity.userName')`,
          `json_extract_string("eventJson", '$.requestParameters.bucketName')`,
          `json_extract_string("eventJson", '$.userIdentity.sessionContext.webIdFederationData.attributes.k')`,
        ]),
      ).toEqual([2, 2, 'b1', 'first', 'u1', 'b1', '1']);
    },
  );

  it('keeps Identity Center onBehalfOf', async () => {
    const [row] = await transformRecords([
      '{"userIdentity":{"type":"IdentityCenterUser","accountId":"1","onBehalfOf":{"userId":"u-1","identityStoreArn":"arn:s"},"credentialId":"c"}}',
    ]);
    expect(row?.['userIdentity']).toMatchObject({
      type: 'IdentityCenterUser',
      credentialId: 'c',
      onBehalfOf: { userId: 'u-1', identityStoreArn: 'arn:s' },
    });
  });
});

describe("the benchmark's lighter row forms", () => {
  const record =
    '{"eventVersion":"1.08","eventTime":"2026-11-02T10:00:00+05:00","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u"},"requestParameters":{"bucketName":"b1"}}';

  it('keeps nested fields as JSON text, with or without the raw event', async () => {
    const [lake] = await transformRecords([record]);
    const [nested] = await transformRecords([record], 'json-nested');
    const [bare] = await transformRecords([record], 'json-nested-no-raw');
    expect(lake?.['requestParameters']).toEqual({ bucketName: 'b1' });
    expect(nested?.['requestParameters']).toBe('{"bucketName":"b1"}');
    expect(JSON.parse(nested?.['userIdentity'] as string)).toEqual({
      type: 'IAMUser',
      arn: 'arn:aws:iam::1:user/u',
    });
    expect(nested?.['eventJson']).toBe(record);
    expect(bare?.['eventJson']).toBeNull();
    // The same UTC day partitions every form's row.
    for (const row of [lake, nested, bare]) expect(row?.['event_date']).toBe('2026-11-02');
    expect(nested?.['eventTime']).toEqual(lake?.['eventTime']);
  });

  it('types only the scalar fields in scalars-raw, and keeps the raw event', async () => {
    const [lake] = await transformRecords([record]);
    const [scalars] = await transformRecords([record], 'scalars-raw');
    expect(scalars).not.toHaveProperty('requestParameters');
    expect(scalars).not.toHaveProperty('userIdentity');
    expect(scalars?.['eventJson']).toBe(record);
    expect(scalars?.['eventName']).toBe('GetObject');
    expect(scalars?.['eventTime']).toEqual(lake?.['eventTime']);
  });

  it('leaves only the raw event out in lake-no-raw', async () => {
    const [lake] = await transformRecords([record]);
    const [noRaw] = await transformRecords([record], 'lake-no-raw');
    expect(noRaw).toEqual({ ...lake, eventJson: null });
  });

  it('names an unknown form in one line', () => {
    vi.stubEnv(ROW_FORM_ENV, 'typed');
    try {
      expect(() => benchRowForm()).toThrow(UsageError);
      expect(() => benchRowForm()).toThrow(/^CTLAKE_BENCH_ROW_FORM=typed: not a row form/);
      vi.stubEnv(ROW_FORM_ENV, '');
      expect(benchRowForm()).toBe('lake');
      vi.stubEnv(ROW_FORM_ENV, 'json-nested');
      expect(benchRowForm()).toBe('json-nested');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
