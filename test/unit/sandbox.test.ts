/**
 * The query sandbox's rules, on DuckDB's own parse trees (an in-memory DuckDB parses; nothing
 * runs): what a query may read, call and bind, and the settings that confine a session.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { checkQueryTree, confinementStatements, parseOneSelect } from '../../src/query/sandbox.js';

describe('the query sandbox', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  const check = async (sql: string, parameters: string[] = []): Promise<void> => {
    const { statement } = await parseOneSelect(connection, sql);
    checkQueryTree(statement, 'cloudtrail', new Set(parameters));
  };

  it.each([
    ['the view', 'SELECT count(*) FROM cloudtrail'],
    ['a WITH over the view', 'WITH x AS (SELECT * FROM cloudtrail) SELECT * FROM x'],
    [
      'a later WITH reading an earlier one',
      'WITH a AS (SELECT 1), b AS (SELECT * FROM a) SELECT * FROM b',
    ],
    [
      'a recursive WITH in its own body',
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r',
    ],
    ['allowed table functions', "SELECT * FROM range(3), unnest([1]), json_each('{}')"],
    ['a bound parameter of the query', 'SELECT * FROM cloudtrail WHERE "eventName" = $name'],
  ])('lets through %s', async (_, sql) => {
    await expect(check(sql, ['name'])).resolves.toBeUndefined();
  });

  it.each([
    [
      'a file path as a table',
      "SELECT * FROM '/etc/passwd'",
      'FROM /etc/passwd: a query reads the cloudtrail and cloudtrail_objects views only',
    ],
    [
      'a table of another schema',
      'SELECT * FROM main.cloudtrail',
      'FROM cloudtrail: a query reads',
    ],
    [
      'a WITH name outside its scope',
      'SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x), x',
      'FROM x: a query reads',
    ],
    [
      'a WITH reading one defined after it',
      'WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a',
      'FROM b: a query reads',
    ],
    [
      'read_csv',
      "SELECT * FROM read_csv('/etc/passwd')",
      'table function read_csv() is not allowed',
    ],
    ['glob', "SELECT * FROM glob('/etc/*')", 'table function glob() is not allowed'],
    [
      'json_serialize_plan',
      "SELECT json_serialize_plan('SELECT 1') FROM cloudtrail",
      'json_serialize_plan() binds SQL of its own',
    ],
    ['an undeclared parameter', 'SELECT $other', 'parameter $other: write a parameter as ${name}'],
  ])('refuses %s', async (_, sql, reason) => {
    const error = await check(sql).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).code).toBe('QUERY_REFUSED');
    expect((error as Error).message).toContain(reason);
  });

  it.each([
    ["COPY cloudtrail TO '/tmp/x.csv'", 'COPY statements cannot run'],
    ["ATTACH '/tmp/x.duckdb'", 'ATTACH statements cannot run'],
    ["SET memory_limit = '100GB'", 'SET statements cannot run'],
    ['SELECT 1; SELECT 2', '2 statements in one query'],
  ])('refuses %j before looking further', async (sql, reason) => {
    await expect(parseOneSelect(connection, sql)).rejects.toThrow(reason);
  });

  it('confines a session to the events directory, as written and as glob-escaped', () => {
    const statements = confinementStatements({
      eventsDir: '/cases/Incident [2024]/lake/events',
      memoryLimit: '2GB',
      tempSpace: '10GB',
    });
    expect(statements).toContain(
      "SET allowed_directories = ['/cases/Incident [2024]/lake/events/', '/cases/Incident [[]2024]/lake/events/']",
    );
    expect(statements).toContain("SET memory_limit = '2GB'");
    expect(statements.at(-1)).toBe('SET lock_configuration = true');
    expect(statements.some((s) => s.startsWith('SET allowed_paths'))).toBe(false);
  });
});
