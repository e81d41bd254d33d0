/**
 * CloudWatch Logs JSON filter patterns: the grammar (the user guide's examples and AWS's own CIS
 * patterns), and their meaning, checked by running the compiled SQL through the query layer's
 * translation and sandbox on a real DuckDB over JSON events.
 */
import { type DuckDBConnection, DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePattern, PatternError } from '../../src/detect/metric-filter/pattern.js';
import { jsonPath, patternToSql } from '../../src/detect/metric-filter/pattern-sql.js';
import { translateQuery } from '../../src/query/dialect/translate.js';

/** Events in the shape of the user guide's examples (its JSON log events), one per row. */
const EVENTS: Record<string, unknown>[] = [
  {
    eventType: 'UpdateTrail',
    sourceIPAddress: '111.111.111.111',
    arrayKey: ['value', 'another value'],
    objectList: [
      { name: 'a', id: 1 },
      { name: 'b', id: 2 },
    ],
    SomeObject: null,
  },
  {
    user: { id: 1, email: 'John.Stiles@example.com' },
    users: [
      { id: 2, email: 'John.Doe@example.com' },
      { id: 3, email: 'Jane.Doe@example.com' },
    ],
    actions: ['GET', 'PUT', 'DELETE'],
    coordinates: [
      [0, 1, 2],
      [4, 5, 6],
    ],
  },
  { bandwidth: 80, latency: 20, errorCode: 400, number: [0.001], flag: true, 'x-key': 'dash' },
  { eventName: 'ConsoleLogin', errorMessage: 'Failed authentication', errorCode: 'AccessDenied' },
  {
    eventSource: 'kms.amazonaws.com',
    eventName: 'ScheduleKeyDeletion',
    errorCode: 'Client.UnauthorizedOperation',
    userIdentity: { type: 'Root' },
    eventType: 'AwsApiCall',
  },
  {
    userIdentity: { type: 'Root', invokedBy: 'support.amazonaws.com' },
    eventType: 'AwsApiCall',
    note: '100% of_it',
  },
];

describe('JSON filter patterns', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    const rows = EVENTS.map(
      (e, i) => `(${String(i)}, '${JSON.stringify(e).replaceAll("'", "''")}')`,
    ).join(', ');
    await connection.run(
      `CREATE TEMP VIEW cloudtrail AS SELECT * FROM (VALUES ${rows}) AS t(n, "eventJson")`,
    );
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  /** The events the pattern matches, by index, through translation, sandbox and bound values. */
  async function matching(pattern: string): Promise<number[]> {
    const { condition, params } = patternToSql(parsePattern(pattern));
    const translated = await translateQuery(
      connection,
      `SELECT n FROM cloudtrail WHERE ${condition} ORDER BY n`,
    );
    const statement = await connection.prepare(translated.sql);
    statement.bind(
      Object.fromEntries(translated.parameters.map((p) => [p, params[p] ?? null])),
      Object.fromEntries(translated.parameters.map((p) => [p, VARCHAR])),
    );
    return (await statement.runAndReadAll()).getRowsJS().map(([n]) => Number(n));
  }

  it.each([
    // The user guide's examples on its example events.
    ['{ $.eventType = "UpdateTrail" }', [0]],
    ['{ $.sourceIPAddress != 123.123.* }', [0]],
    ['{ $.arrayKey[0] = "value" }', [0]],
    ['{ $.objectList[1].id = 2 }', [0]],
    ['{ $.SomeObject IS NULL }', [0]],
    ['{ $.SomeOtherObject NOT EXISTS }', [0, 1, 2, 3, 4, 5]],
    ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', [1]],
    [
      '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }',
      [1],
    ],
    [
      '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }',
      [],
    ],
    ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', []],
    // Numbers: signs, exponents, every operator; strings never compare numerically.
    ['{ $.bandwidth > 75 }', [2]],
    ['{ $.latency < 50 }', [2]],
    ['{ $.bandwidth >= 80 && $.latency <= 20 }', [2]],
    ['{ $.errorCode = 400 }', [2]],
    ['{ $.errorCode != 500 }', [2]],
    ['{ $.number[0] = 1e-3 }', [2]],
    ['{ $.number[0] != +1e+3 }', [2]],
    ['{ $.errorCode = "400" }', [2]],
    // Wildcards anywhere, case-sensitive; % and _ are literal characters.
    ['{ $.errorCode = "*UnauthorizedOperation" }', [4]],
    ['{ $.errorCode = "Access*" }', [3]],
    ['{ $.errorCode = "*unauthorized*" }', []],
    ['{ $.note = "100% of_it" }', [5]],
    ['{ $.note = "100_*" }', []],
    ['{ $.eventName = %Login$% }', [3]],
    ['{ $.eventName = %^Schedule.*Deletion% }', [4]],
    ['{ $.flag IS TRUE }', [2]],
    ['{ $.flag IS FALSE }', []],
    ['{ $.x-key = dash }', [2]],
    // A selector pointing at an object or array, or at nothing, matches nothing, != included.
    ['{ $.arrayKey = "value" }', []],
    ['{ $.user != "x" }', []],
    ['{ $.missing != "x" }', []],
    // AWS's CIS patterns as published (unquoted values, no spaces).
    [
      '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
      [4],
    ],
    ['{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}', [3, 4]],
    [
      '{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}',
      [4],
    ],
    ['{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}', [3]],
  ])('%s matches %j', async (pattern, expected) => {
    expect(await matching(pattern)).toEqual(expected);
  });

  it('binds && tighter than ||', () => {
    expect(parsePattern('{ $.a = 1 || $.b = 2 && $.c = 3 }')).toEqual({
      kind: 'or',
      operands: [
        {
          kind: 'compare',
          selector: [{ key: 'a' }],
          operator: '=',
          value: { kind: 'number', value: 1, text: '1' },
        },
        {
          kind: 'and',
          operands: [
            {
              kind: 'compare',
              selector: [{ key: 'b' }],
              operator: '=',
              value: { kind: 'number', value: 2, text: '2' },
            },
            {
              kind: 'compare',
              selector: [{ key: 'c' }],
              operator: '=',
              value: { kind: 'number', value: 3, text: '3' },
            },
          ],
        },
      ],
    });
  });

  it('writes every value and path as a bound parameter, never into the SQL', () => {
    const { condition, params } = patternToSql(
      parsePattern(`{ $.eventName = "x' OR 1=1 --" && $.a[2].b > 5 }`),
    );
    expect(condition).not.toContain('OR 1=1');
    expect(condition).not.toContain('$."');
    expect(Object.values(params)).toContain("x' OR 1=1 --");
    expect(Object.values(params)).toContain('$."a"[2]."b"');
    expect(jsonPath([{ key: 'x-y' }, { index: 0 }])).toBe('$."x-y"[0]');
  });

  it.each([
    [
      '[ip, user, status_code = 4*]',
      'space-delimited patterns ([field, …]) match text log lines, not JSON events; write { $.field = value } at character 1 of the pattern',
    ],
    [
      'ERROR',
      'a term pattern matches text log lines, not JSON events; write { $.field = value } at character 1 of the pattern',
    ],
    ['{ $.a = "x" ', "expected '}' or a logical operator at character 13 of the pattern"],
    [
      '{ $.a IS NOT NULL }',
      'IS NOT is not part of the pattern language (use !=) at character 13 of the pattern',
    ],
    [
      '{ $.a EXISTS }',
      'EXISTS is not part of the pattern language (only NOT EXISTS) at character 13 of the pattern',
    ],
    [
      '{ $.a > "x" }',
      '> compares numbers; the value here is not one at character 12 of the pattern',
    ],
    ['{ a = 1 }', 'expected a property selector ($.field) at character 3 of the pattern'],
    ['{ $.a = "open }', 'unterminated "string" at character 9 of the pattern'],
    ['{ $.a[x] = 1 }', 'expected an array index such as [0] at character 6 of the pattern'],
    ['{ $.a = 1 } trailing', 'unexpected text after the closing } at character 13 of the pattern'],
  ])('refuses %j in one line: %s', (pattern, message) => {
    expect(() => parsePattern(pattern)).toThrow(new PatternError(message));
  });
});
