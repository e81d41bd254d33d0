import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateQuery } from '../../src/query/dialect/translate.js';

describe('now() and current_timestamp compared with a time become ct_now()', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await connection.run(
      `CREATE TEMP VIEW cloudtrail AS SELECT TIMESTAMP '2024-05-01 00:00:00' AS "eventTime"`,
    );
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  const sqlOf = async (text: string): Promise<string> =>
    (await translateQuery(connection, text)).sql;
  const count = (sql: string, word: string): number => sql.split(word).length - 1;

  it.each([
    "SELECT 1 FROM cloudtrail WHERE eventTime > date_add('day', -7, now())",
    'SELECT 1 FROM cloudtrail WHERE eventTime > now()',
    "SELECT 1 FROM cloudtrail WHERE eventTime >= current_timestamp - INTERVAL '1' DAY",
    "SELECT 1 FROM cloudtrail WHERE eventTime BETWEEN date_trunc('day', now()) AND now()",
    "SELECT count(*) FILTER (WHERE eventTime > date_add('hour', -1, now())) FROM cloudtrail",
    'SELECT 1 FROM cloudtrail a JOIN cloudtrail b ON a.eventTime < now()',
    "SELECT 1 FROM cloudtrail WHERE date_add('minute', -5, now()) <= eventTime",
    "SELECT 1 FROM cloudtrail WHERE userIdentity.sessionContext.attributes.creationDate > now() - INTERVAL '1' HOUR",
  ])('%s', async (text) => {
    const sql = await sqlOf(text);
    expect(sql).toContain('ct_now()');
    expect(sql).not.toMatch(/(?<!ct_)now\(\)|current_timestamp/i);
  });

  it.each([
    'SELECT now() FROM cloudtrail',
    'SELECT current_timestamp AS t FROM cloudtrail',
    "SELECT now() AT TIME ZONE 'Asia/Kolkata' FROM cloudtrail",
    "SELECT format_datetime(now(), 'yyyy-MM-dd z') FROM cloudtrail",
    "SELECT 1 FROM cloudtrail WHERE format_datetime(now(), 'z') = 'UTC'",
    'WITH t AS (SELECT now() AS n) SELECT 1 FROM t, cloudtrail WHERE eventTime < n',
    'SELECT 1 FROM cloudtrail WHERE eventTime < (SELECT now())',
    // Text is cast to the other side's type: to a zoned one it keeps its offset, to a plain one not.
    "SELECT 1 FROM cloudtrail WHERE now() > '2024-05-01 00:00:00+02'",
    'SELECT 1 FROM cloudtrail WHERE eventName < now()',
    'SELECT 1 FROM cloudtrail WHERE now() BETWEEN eventTime AND eventTime',
  ])('left as it was: %s', async (text) => {
    const sql = await sqlOf(text);
    expect(sql).not.toContain('ct_now');
  });

  it('a query naming a column current_timestamp keeps it a column', async () => {
    for (const text of [
      'SELECT 1 FROM (SELECT 1) t(current_timestamp), cloudtrail WHERE eventTime < current_timestamp',
      'WITH t(current_timestamp) AS (SELECT 1) SELECT 1 FROM t, cloudtrail WHERE eventTime < current_timestamp',
      'SELECT 1 FROM (SELECT 1 AS current_timestamp) t, cloudtrail WHERE eventTime < current_timestamp',
    ]) {
      const sql = await sqlOf(text);
      expect(count(sql, 'ct_now'), text).toBe(0);
    }
  });

  it('rewrites each compared occurrence and no other', async () => {
    const sql = await sqlOf(
      "SELECT now() AS shown FROM cloudtrail WHERE eventTime > date_add('day', -1, now()) AND eventTime < now()",
    );
    expect(count(sql, 'ct_now()')).toBe(2);
    expect(sql).toMatch(/^SELECT now\(\) AS shown/);
  });
});
