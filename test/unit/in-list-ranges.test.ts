import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateQuery } from '../../src/query/dialect/translate.js';

describe('IN lists on string columns get their implied range', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    // Values around the lists' bounds, NULL and non-ASCII included.
    await connection.run(`CREATE TEMP VIEW cloudtrail AS
      SELECT * FROM (VALUES (1, 'Retrieve'), (2, 'RetrieveAndGenerate'), (3, 'Retrieva'),
        (4, 'RetrieveZ'), (5, NULL), (6, ''), (7, 'Réserve'), (8, 'InvokeModel'), (9, 'retrieve'),
        (10, 'Ａ'), (11, '😀'))
      AS t(n, "eventName")`);
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  const sqlOf = async (text: string): Promise<string> =>
    (await translateQuery(connection, text)).sql;
  const rows = async (sql: string): Promise<unknown[][]> =>
    (await connection.runAndReadAll(sql)).getRowsJS();

  it("adds the list's least and greatest values as bounds beside the IN", async () => {
    const sql = await sqlOf(
      "SELECT n FROM cloudtrail WHERE eventName IN ('RetrieveAndGenerate', 'Retrieve', 'Retrieva')",
    );
    expect(sql).toContain("(eventName >= 'Retrieva')");
    expect(sql).toContain("(eventName <= 'RetrieveAndGenerate')");
  });

  it('orders the values by their UTF-8 bytes, as DuckDB does (not by UTF-16 units)', async () => {
    // U+FF21 sorts after U+1F600 in UTF-16 (0xFF21 > 0xD83D) but before it in UTF-8.
    const sql = await sqlOf("SELECT n FROM cloudtrail WHERE eventName IN ('😀', 'Ａ') ORDER BY n");
    expect(sql).toContain("(eventName >= 'Ａ')");
    expect(await rows(sql)).toEqual([[10], [11]]);
  });

  it.each([
    ["SELECT n FROM cloudtrail WHERE eventName NOT IN ('a', 'b')", 'NOT IN'],
    ["SELECT n FROM cloudtrail WHERE eventName IN ('a', ${other})", 'a bound parameter'],
    ["SELECT n FROM cloudtrail WHERE n IN ('1', '2')", 'a column outside the string fields'],
    ['SELECT n FROM cloudtrail WHERE eventName IN (1, 2)', 'numbers'],
    ["SELECT n FROM cloudtrail WHERE eventName IN ('a')", 'one value (DuckDB makes it =)'],
    ["SELECT eventName IN ('a', 'b') AS x FROM cloudtrail", 'outside WHERE'],
    [
      "WITH cloudtrail AS (SELECT 1 AS n, 10 AS eventName) SELECT n FROM cloudtrail WHERE eventName IN ('9', '10')",
      'a CTE hiding the view',
    ],
    [
      "SELECT * FROM (SELECT n AS eventName FROM cloudtrail) WHERE eventName IN ('9', '10')",
      'a derived table renaming columns',
    ],
    [
      "SELECT a.n FROM cloudtrail a JOIN cloudtrail b ON a.n = b.n WHERE a.eventName IN ('a', 'b')",
      'a join',
    ],
    [
      "SELECT n FROM cloudtrail t WHERE cloudtrail.eventName IN ('a', 'b')",
      'a qualifier other than the alias',
    ],
  ])('%s is left alone (%s)', async (text) => {
    expect(await sqlOf(text)).not.toMatch(/eventName [<>]=/);
  });

  it.each([
    "SELECT n FROM cloudtrail WHERE eventName IN ('RetrieveAndGenerate', 'Retrieve') ORDER BY n",
    "SELECT n FROM cloudtrail WHERE NOT (eventName IN ('RetrieveAndGenerate', 'Retrieve') AND n > 0) ORDER BY n",
    "SELECT n FROM cloudtrail t WHERE t.eventName IN ('Retrieve', 'Réserve', '') ORDER BY n",
    "SELECT n FROM cloudtrail WHERE (eventName IN ('Retrieva', 'RetrieveZ')) IS NULL ORDER BY n",
    "SELECT count(*) AS k FROM cloudtrail WHERE eventName IN ('Retrieva', 'RetrieveZ') OR n = 8",
    "WITH x AS (SELECT n FROM cloudtrail WHERE eventName IN ('InvokeModel', 'retrieve')) SELECT n FROM x ORDER BY n",
  ])('gives the same rows as DuckDB without it: %s', async (text) => {
    const translated = await sqlOf(text);
    expect(translated).toMatch(/eventName >= '/);
    expect(await rows(translated)).toEqual(await rows(text));
  });
});
