import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventTableColumns } from '../../src/schema/transform.js';
import { transformRecords } from '../util/transform-records.js';

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

  it.each([
    ['2024-05-09T10:11:12Z', '2024-05-09T10:11:12Z'],
    ['2025-01-21 17:39:10.000000000', '2025-01-21T17:39:10Z'],
    ['2021-02-12 10:02:02.318+0000', '2021-02-12T10:02:02.318Z'],
    ['2024-07-08T17:06:49.1234567Z', '2024-07-08T17:06:49.123456Z'],
    ['2024-01-01T05:00:00+05:00', '2024-01-01T00:00:00Z'],
    ['2021-05-20 15:53:47Z', '2021-05-20T15:53:47Z'],
    ['redacted', null],
  ])('reads eventTime %j as %j (UTC)', async (input, expected) => {
    const [row] = await transformRecords([JSON.stringify({ eventTime: input })]);
    expect(row?.['eventTime']).toBe(expected);
    expect(row?.['event_date']).toBe(expected === null ? null : expected.slice(0, 10));
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
