/**
 * The scale-out path on paper: what ctlake prints for other engines, and the SQL it ships, are
 * parsed with those engines' grammars (dt-sql-parser's ANTLR grammars of Trino, Hive and Spark):
 * the DDL as printed, the named and report queries once their `${…}` values are filled in (as in
 * CloudTrail Lake), and the SQL the detection packs compile to, which is DuckDB's by design, with
 * the DuckDB spellings it uses listed below.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { HiveSQL, SparkSQL, TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { publisherMarks } from '../../src/detect/alarm/metric-sql.js';
import { builtInPacks, readRules, type Rule, ruleFiles } from '../../src/detect/rules.js';
import { rewriteLakeReferences } from '../../src/query/dialect/lake-references.js';
import { tokenize } from '../../src/query/dialect/sql-lexer.js';
import {
  type NamedQuery,
  type ParameterType,
  QUERY_DIR,
  loadNamedQueries,
} from '../../src/query/named-queries.js';
import { REPORT_QUERY_DIR } from '../../src/report/build-report.js';
import { lakeDdl } from '../../src/scale/ddl.js';
import { EVENT_TABLE_NAME } from '../../src/schema/event-schema.js';
import { packagePath } from '../../src/util/package-files.js';
import { REPO_ROOT } from '../util/cli.js';

const trino = new TrinoSQL();

/** The grammar's complaints, one line each: empty when the text parses. */
function trinoErrors(sql: string): string[] {
  return trino
    .validate(sql)
    .map((e) => `${String(e.startLine)}:${String(e.startColumn)} ${e.message}`);
}

const trinoString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** A sample of each parameter type, for parameters without a default. */
const SAMPLES: Readonly<Record<ParameterType, string>> = {
  VARCHAR: 'x',
  INTEGER: '7',
  BIGINT: '7',
  DOUBLE: '1.5',
  BOOLEAN: 'true',
  TIMESTAMP: '2024-05-01 00:00:00',
};

/** A Trino literal of the parameter's type: its default, else a sample. */
function literal(type: ParameterType, value: string): string {
  switch (type) {
    case 'VARCHAR':
      return trinoString(value);
    case 'TIMESTAMP':
      return `TIMESTAMP ${trinoString(value)}`;
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
    case 'BOOLEAN':
      return value;
    default:
      return type satisfies never;
  }
}

/**
 * The query as a Trino user runs it: each `${name}` replaced by a literal of its declared type,
 * then the event data store (`$EDS_ID`) by the table `ctlake ddl` creates, as ctlake's own
 * rewrite does.
 */
function asTrino(query: NamedQuery): string {
  const filled = query.sql.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const parameter = query.parameters.find((p) => p.name === name);
    if (parameter === undefined) throw new Error(`${query.file}: \${${name}} is not declared`);
    return literal(parameter.type, parameter.defaultValue ?? SAMPLES[parameter.type]);
  });
  const rewrite = rewriteLakeReferences(filled);
  expect(rewrite.parameters).toEqual([]);
  return rewrite.sql;
}

describe('the grammars catch what they should', () => {
  it.each([
    ['a DuckDB cast', 'SELECT "eventName"::VARCHAR FROM cloudtrail'],
    ['ILIKE', 'SELECT 1 FROM cloudtrail WHERE "eventName" ILIKE \'get%\''],
    ['an unfilled parameter', 'SELECT 1 FROM cloudtrail WHERE "eventTime" > ${since}'],
    ['a store ID', 'SELECT 1 FROM 0a1b2c3d-4e5f-6789-abcd-ef0123456789'],
  ])('Trino refuses %s', (_, sql) => {
    expect(trinoErrors(sql)).not.toEqual([]);
  });
});

describe('ctlake ddl parses', () => {
  it.each([
    ['on S3', { location: 's3://audit-bucket/lake' }],
    ['local, in a catalog and schema', { lakeDir: 'lake', table: 'hive.audit.cloudtrail' }],
  ])('trino, %s, with Trino’s grammar', (_, options) => {
    expect(trinoErrors(lakeDdl({ engine: 'trino', ...options }))).toEqual([]);
  });

  // Athena's DDL is Hive's (CREATE EXTERNAL TABLE … STORED AS … TBLPROPERTIES, backticks,
  // `struct<…>`), which Trino's grammar does not take: Athena parses DDL with Hive's grammar and
  // runs only queries on Trino. So the DDL is parsed with dt-sql-parser's Hive grammar.
  it.each([
    ['in the default database', {}],
    ['in a database', { table: 'audit.cloudtrail' }],
  ])('athena, %s, with Hive’s grammar (not Trino’s)', (_, options) => {
    const ddl = lakeDdl({ engine: 'athena', location: 's3://audit-bucket/lake', ...options });
    expect(new HiveSQL().validate(ddl)).toEqual([]);
    expect(trinoErrors(ddl)).not.toEqual([]);
  });

  it('spark, with Spark’s grammar', () => {
    const ddl = lakeDdl({ engine: 'spark', location: 's3a://audit-bucket/lake' });
    expect(new SparkSQL().validate(ddl)).toEqual([]);
  });
});

describe('every shipped query parses with Trino’s grammar', () => {
  const queries = [QUERY_DIR, REPORT_QUERY_DIR].flatMap((dir) =>
    loadNamedQueries(dir).map((q) => [`sql/${path.basename(dir)}/${q.file}`, q] as const),
  );

  it('finds the named queries and the report’s', () => {
    expect(queries.length).toBeGreaterThanOrEqual(30);
  });

  it.each(queries)('%s', (_, query) => {
    const sql = asTrino(query);
    expect(sql).toMatch(new RegExp(`\\b(FROM|JOIN) ${EVENT_TABLE_NAME}\\b`));
    expect(trinoErrors(sql)).toEqual([]);
  });

  /** sql/ folders that are DuckDB's own by design, with why; every other folder is checked above. */
  const DUCKDB_ONLY: Readonly<Record<string, string>> = {
    catalog: 'the lake catalog’s tables and commit, in the catalog.duckdb file only ctlake opens',
    dialect: 'the macros that give DuckDB the Trino functions Lake queries call',
  };

  it('checks every folder of sql/ but DuckDB’s own', () => {
    const folders = readdirSync(packagePath('sql')).sort();
    const checked = [QUERY_DIR, REPORT_QUERY_DIR].map((dir) => path.basename(dir));
    expect(folders).toEqual([...checked, ...Object.keys(DUCKDB_ONLY)].sort());
  });
});

/**
 * The detection packs ship rules (YAML), not SQL: ctlake compiles each into a condition that its
 * own DuckDB session runs over the lake (Sigma rules: src/detect/sigma/sigma-sql.ts; metric
 * filters: src/detect/metric-filter/pattern-sql.ts). That SQL calls DuckDB's list, JSON and
 * regular-expression functions (list_filter, len, map_extract_value, json_extract_string with
 * DuckDB's JSON paths, regexp_matches, …), which no grammar checks, so it runs only in ctlake; its
 * lists and casts are spelt as Trino spells them, and one spelling Trino's grammar lacks is listed
 * here with why and put in Trino's before parsing, so a rule that needs any other construct fails
 * here, and so does an entry no rule uses any more. (The anomaly pack is no rule file: its SQL, in
 * src/detect/anomalies.ts, is DuckDB's throughout — GROUP BY ALL, MATERIALIZED, struct literals,
 * `//` — and so is the SQL of the runners that group the matches, src/detect/*.ts.)
 */
const DUCKDB_SPELLINGS = {
  ILIKE:
    'Sigma matches strings case-insensitively: DuckDB’s own operator for it; Trino has no ILIKE and writes lower(x) LIKE lower(p)',
} as const;
type DuckdbSpelling = keyof typeof DUCKDB_SPELLINGS;

/** `sql` with the listed DuckDB spellings in Trino's, and which of them it used. */
function inTrinoSpelling(sql: string, used: Set<DuckdbSpelling>): string {
  return tokenize(sql)
    .map((token) => {
      if (token.kind === 'word' && token.text.toUpperCase() === 'ILIKE') {
        used.add('ILIKE');
        return 'LIKE';
      }
      return token.text;
    })
    .join('');
}

/** The SQL a rule runs as one statement over the event table, and its parameters. */
function ruleSql(rule: Rule): { sql: string; params: Readonly<Record<string, string>> } {
  if (rule.kind === 'event') {
    return {
      sql: `SELECT 1 FROM ${EVENT_TABLE_NAME} WHERE ${rule.detection.condition}`,
      params: rule.detection.params,
    };
  }
  const params: Record<string, string> = {};
  const publishers = rule.filter.metricTransformations.map((transformation) => ({
    filter: rule.filter,
    transformation,
  }));
  const { conditions, values } = publisherMarks(publishers, params);
  return {
    sql: `SELECT ${values.join(', ')} FROM ${EVENT_TABLE_NAME} WHERE ${conditions.join(' OR ')}`,
    params,
  };
}

describe('every built-in detection rule parses with Trino’s grammar, but for the DuckDB spellings listed', () => {
  const { rules, skipped } = readRules(ruleFiles(builtInPacks(), []));

  it('compiles every rule of the packs', () => {
    expect(skipped).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(100);
  });

  it.each(rules.map((rule) => [path.relative(REPO_ROOT, rule.origin), rule] as const))(
    '%s',
    (_, rule) => {
      const { sql, params } = ruleSql(rule);
      const trinoSql = inTrinoSpelling(sql, new Set()).replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
        (_match, name: string) => {
          const value = params[name];
          if (value === undefined) throw new Error(`\${${name}} has no value`);
          return trinoString(value);
        },
      );
      expect(trinoErrors(trinoSql)).toEqual([]);
    },
  );

  it('lists only DuckDB spellings some rule still uses', () => {
    const used = new Set<DuckdbSpelling>();
    for (const rule of rules) inTrinoSpelling(ruleSql(rule).sql, used);
    expect([...used].sort()).toEqual(Object.keys(DUCKDB_SPELLINGS).sort());
  });
});
