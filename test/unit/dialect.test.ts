import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CtlakeError } from '../../src/errors.js';
import {
  DateFormatError,
  jodaToStrftime,
  mysqlToStrftime,
} from '../../src/query/dialect/datetime-format.js';
import { rewriteLakeReferences } from '../../src/query/dialect/lake-references.js';
import { statementKeywords } from '../../src/query/dialect/sql-lexer.js';
import { trinoJsonPath } from '../../src/query/dialect/trino-functions.js';
import {
  NamedQueryError,
  QUERY_DIR,
  namedQueryValues,
  parseNamedQuery,
} from '../../src/query/named-queries.js';

describe('rewriteLakeReferences', () => {
  it.each([
    ['SELECT * FROM <event-data-store-ID>', 'SELECT * FROM cloudtrail'],
    ['select * from\n    <EDS ID> where x', 'select * from\n    cloudtrail where x'],
    ['SELECT 1 FROM $EDS_ID', 'SELECT 1 FROM cloudtrail'],
    ['SELECT 1 FROM ${EDS_ID}', 'SELECT 1 FROM cloudtrail'],
    ['SELECT 1 FROM <Event data store Id> e', 'SELECT 1 FROM cloudtrail e'],
    [
      'SELECT 1 FROM 0123abcd-1111-2222-3333-444455556666 LIMIT 1',
      'SELECT 1 FROM cloudtrail LIMIT 1',
    ],
    [
      'SELECT 1 FROM a JOIN <event_data_store_id> b ON true',
      'SELECT 1 FROM a JOIN cloudtrail b ON true',
    ],
    ['SELECT 1 FROM /* the store */ $EDS_ID', 'SELECT 1 FROM /* the store */ cloudtrail'],
    ["SELECT 'FROM <EDS ID>' FROM cloudtrail", "SELECT 'FROM <EDS ID>' FROM cloudtrail"],
    ['-- FROM $EDS_ID\nSELECT 1', '-- FROM $EDS_ID\nSELECT 1'],
    ['SELECT "from" FROM cloudtrail', 'SELECT "from" FROM cloudtrail'],
    // Dollar-quoted and E'…' strings are strings: nothing inside them is a store or a parameter.
    ['SELECT $q$ FROM $EDS_ID ${x} $q$ FROM t', 'SELECT $q$ FROM $EDS_ID ${x} $q$ FROM t'],
    ['SELECT $$FROM <EDS ID>$$ FROM t', 'SELECT $$FROM <EDS ID>$$ FROM t'],
    ["SELECT E'it\\'s FROM $EDS_ID' FROM t", "SELECT E'it\\'s FROM $EDS_ID' FROM t"],
    [
      'SELECT * FROM cloudtrail WHERE a < 3 AND b > 4',
      'SELECT * FROM cloudtrail WHERE a < 3 AND b > 4',
    ],
  ])('%j', (input, expected) => {
    expect(rewriteLakeReferences(input)).toEqual({ sql: expected, parameters: [] });
  });

  it('turns ${name} templates into bound parameters, in a string or bare', () => {
    expect(
      rewriteLakeReferences(
        "SELECT 1 FROM $EDS_ID WHERE t >= '${date_filter}' AND t <= '${date_filter}' AND n > -${hours}",
      ),
    ).toEqual({
      sql: 'SELECT 1 FROM cloudtrail WHERE t >= $date_filter AND t <= $date_filter AND n > -$hours',
      parameters: ['date_filter', 'hours'],
    });
  });

  it("leaves a template inside an E'…' string alone, and finds the store after it", () => {
    expect(rewriteLakeReferences("SELECT E'\\'${x}' FROM $EDS_ID")).toEqual({
      sql: "SELECT E'\\'${x}' FROM cloudtrail",
      parameters: [],
    });
  });

  it('leaves a template that is only part of a string literal alone', () => {
    expect(rewriteLakeReferences("SELECT 'a ${x} b'").sql).toBe("SELECT 'a ${x} b'");
  });
});

describe('statementKeywords', () => {
  it.each([
    ['SELECT 1', ['SELECT']],
    ['  -- note\n/* c */ copy t to x;', ['COPY']],
    ["SELECT ';'; DROP TABLE t;", ['SELECT', 'DROP']],
    ['(SELECT 1)', ['']],
  ])('%j', (sql, expected) => {
    expect(statementKeywords(sql)).toEqual(expected);
  });
});

describe('date patterns', () => {
  it.each([
    ['yyyy-MM-dd HH:mm:ss', '%Y-%m-%d %H:%M:%S'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSS", '%Y-%m-%dT%H:%M:%S.%g'],
    ['EEE, d MMM yyyy', '%a, %-d %b %Y'],
    ["'100%' yy", '100%% %y'],
    // Year of era is the year (not the ISO week-year, which is x).
    ['YYYY-MM-dd', '%Y-%m-%d'],
    ['YY', '%y'],
    ["xxxx-'W'ww", '%G-W%V'],
    // Offsets as Joda prints them, for ctlake's UTC timestamps.
    ['HH:mm Z', '%H:%M +0000'],
    ['HH:mm ZZ', '%H:%M +00:00'],
    ['HH:mm ZZZ', '%H:%M %Z'],
  ])('joda %j', (pattern, expected) => {
    expect(jodaToStrftime(pattern)).toBe(expected);
  });

  it('reads any offset back where Joda would', () => {
    expect(jodaToStrftime("yyyy-MM-dd'T'HH:mm:ssZZ", 'parse')).toBe('%Y-%m-%dT%H:%M:%S%z');
    expect(jodaToStrftime('yyyy-MM-dd HH:mm:ss Z', 'parse')).toBe('%Y-%m-%d %H:%M:%S %z');
  });

  it.each([
    ['%Y-%m-%d %H:%i:%s', '%Y-%m-%d %H:%M:%S'],
    ['%M %e, %Y %T', '%B %-d, %Y %H:%M:%S'],
    ['100%%', '100%%'],
  ])('mysql %j', (pattern, expected) => {
    expect(mysqlToStrftime(pattern)).toBe(expected);
  });

  it('names an unsupported letter', () => {
    expect(() => jodaToStrftime('yyyy G')).toThrow(
      new DateFormatError("date pattern letter 'G' is not supported"),
    );
    expect(() => mysqlToStrftime('%D')).toThrow(
      new DateFormatError("date format specifier '%D' is not supported"),
    );
  });
});

describe('trinoJsonPath', () => {
  it.each([
    ['$.a.b', '$.a.b'],
    ['$["a b"].c', '$."a b".c'],
    ['$.list[0]["x"]', '$.list[0]."x"'],
  ])('%j', (input, expected) => {
    expect(trinoJsonPath(input)).toBe(expected);
  });
});

describe('named queries', () => {
  const text = `-- name: demo
-- title: Demo
-- description: first line
-- description: second line
-- param: hours INTEGER = 24 -- how far back
-- param: who VARCHAR
SELECT 1 FROM $EDS_ID WHERE n > \${hours} AND u = \${who}`;

  it('parses the header', () => {
    expect(parseNamedQuery(text, 'demo.sql')).toEqual({
      name: 'demo',
      title: 'Demo',
      description: 'first line second line',
      parameters: [
        { name: 'hours', type: 'INTEGER', defaultValue: '24', description: 'how far back' },
        { name: 'who', type: 'VARCHAR', description: '' },
      ],
      sql: 'SELECT 1 FROM $EDS_ID WHERE n > ${hours} AND u = ${who}',
      file: 'demo.sql',
    });
  });

  it('types values, applies defaults and names what is missing', () => {
    const query = parseNamedQuery(text, 'demo.sql');
    expect(namedQueryValues(query, { who: 'x' }).values).toEqual({ hours: 24, who: 'x' });
    expect(() => namedQueryValues(query, {})).toThrow('demo needs --param who=<VARCHAR>');
    expect(() => namedQueryValues(query, { who: 'x', hours: 'ten' })).toThrow(
      '--param hours=ten: not a valid INTEGER',
    );
    expect(() => namedQueryValues(query, { who: 'x', hours: '3000000000' })).toThrow(
      '--param hours=3000000000: not a valid INTEGER',
    );
  });

  it.each([
    ['2024-05-09', true],
    ['2024-05-09 10:00:00', true],
    ['2024-05-09T10:00:00Z', true],
    ['2024-05-09T10:00:00.123+02:00', true],
    ['2024-05-09 10:00', true],
    ['2024-02-30', false],
    ['garbage', false],
    ['2024-05-09 25', false],
    ["2024-05-09'; DROP TABLE x; --", false],
  ])('checks a TIMESTAMP parameter: %s', (value, valid) => {
    const query = parseNamedQuery(
      '-- name: t\n-- title: t\n-- description: d\n-- param: since TIMESTAMP\nSELECT ${since}',
      't.sql',
    );
    if (valid) expect(namedQueryValues(query, { since: value }).values).toEqual({ since: value });
    else
      expect(() => namedQueryValues(query, { since: value })).toThrow(
        `--param since=${value}: not a valid TIMESTAMP`,
      );
  });

  it.each([
    ['-- title: t\n-- description: d\nSELECT 1', 'x.sql: the header has no "-- name:" line'],
    [
      '-- name: n\n-- title: t\n-- description: d\n-- param: p DATE\nSELECT 1',
      'x.sql: bad parameter line "p DATE" (want: name TYPE [= default] [-- text])',
    ],
  ])('refuses a bad header', (bad, message) => {
    expect(() => parseNamedQuery(bad, 'x.sql')).toThrow(new NamedQueryError(message));
    // A user mistake the CLI prints in one line with its code, never with a stack trace.
    expect(new NamedQueryError(message)).toBeInstanceOf(CtlakeError);
    expect(new NamedQueryError(message).code).toBe('NAMED_QUERY_INVALID');
  });

  it.each(readdirSync(QUERY_DIR).filter((f) => f.endsWith('.sql')))(
    '%s parses and is named after its file',
    (file) => {
      const query = parseNamedQuery(readFileSync(path.join(QUERY_DIR, file), 'utf8'), file);
      expect(`${query.name}.sql`).toBe(file);
      for (const p of query.parameters) expect(query.sql).toContain(`\${${p.name}}`);
    },
  );
});
