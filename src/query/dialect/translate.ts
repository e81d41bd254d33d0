/**
 * CloudTrail Lake SQL (Trino dialect) → DuckDB SQL, through DuckDB's own parser: the text is
 * parsed with `json_serialize_sql`, function calls are rewritten in the tree, and
 * `json_deserialize_sql` prints the result. Only a single SELECT can be serialized, which is also
 * the first line of the sandbox: anything else is refused before it could run.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  LosslessNumber,
  parse as parseLossless,
  stringify as stringifyLossless,
} from 'lossless-json';
import { QueryError, UsageError, firstLine } from '../../errors.js';
import { RECORD_FIELDS, type Field } from '../../schema/event-schema.js';
import { addInListRanges } from './in-list-ranges.js';
import { EVENT_TABLE, rewriteLakeReferences } from './lake-references.js';
import { statementKeywords } from './sql-lexer.js';
import {
  DialectError,
  type ExpressionNode,
  type FunctionNode,
  rewriteCall,
} from './trino-functions.js';

export interface TranslatedQuery {
  /** DuckDB SQL; parameters appear as `$name`. */
  readonly sql: string;
  /** Named parameters the query needs, in order of first use. */
  readonly parameters: readonly string[];
}

/** How read-only queries begin; a statement starting otherwise is named when refused. */
const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', '']);

/** Table functions a query may call: none of them reads a file. */
const ALLOWED_TABLE_FUNCTIONS = new Set([
  'unnest',
  'range',
  'generate_series',
  'json_each',
  'json_tree',
]);

/** Parsed AST; numbers stay lossless (LosslessNumber): query locations are uint64 sentinels. */
type Json = null | boolean | string | LosslessNumber | Json[] | { [key: string]: Json };

function mapColumnPaths(fields: readonly Field[], prefix: string[] = []): string[][] {
  return fields.flatMap((f) => {
    const here = [...prefix, f.name.toLowerCase()];
    if (f.type.kind === 'map') return [here];
    if (f.type.kind === 'struct') return mapColumnPaths(f.type.fields, here);
    return [];
  });
}

const MAP_PATHS = mapColumnPaths(RECORD_FIELDS);

function isMapColumn(node: ExpressionNode | undefined): boolean {
  if (node?.class !== 'COLUMN_REF') return false;
  const names = (node['column_names'] as string[]).map((n) => n.toLowerCase());
  return MAP_PATHS.some((path) => {
    const tail = names.slice(-path.length);
    return (
      tail.length === path.length &&
      tail.every((n, i) => n === path[i]) &&
      names.length - path.length <= 1
    );
  });
}

function refuse(message: string): never {
  throw new QueryError('QUERY_REFUSED', `refused: ${message}`);
}

function collectCteNames(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectCteNames(child, into);
    return;
  }
  if (node === null || typeof node !== 'object' || node instanceof LosslessNumber) return;
  const cteMap = node['cte_map'];
  const entries = (cteMap as { map?: unknown } | undefined)?.map;
  if (Array.isArray(entries)) {
    for (const entry of entries as { key?: unknown }[]) {
      if (typeof entry.key === 'string') into.add(entry.key.toLowerCase());
    }
  }
  for (const value of Object.values(node)) collectCteNames(value, into);
}

function rewriteTree(node: Json, tables: ReadonlySet<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) rewriteTree(child, tables);
    return;
  }
  if (node === null || typeof node !== 'object' || node instanceof LosslessNumber) return;
  if (node['type'] === 'TABLE_FUNCTION') {
    const fn = node['function'] as { function_name?: string } | null;
    const name = (fn?.function_name ?? '').toLowerCase();
    if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
      refuse(`table function ${name}() is not allowed; a query reads the ${EVENT_TABLE} view only`);
    }
  }
  if (node['type'] === 'BASE_TABLE') {
    const name = typeof node['table_name'] === 'string' ? node['table_name'] : '';
    if (
      !tables.has(name.toLowerCase()) ||
      node['schema_name'] !== '' ||
      node['catalog_name'] !== ''
    ) {
      refuse(`FROM ${name}: a query reads the ${EVENT_TABLE} view only (and its own WITH clauses)`);
    }
  }
  // Aggregates used as window functions are WINDOW nodes with the same function_name.
  if (
    (node['class'] === 'FUNCTION' || node['class'] === 'WINDOW') &&
    typeof node['function_name'] === 'string'
  ) {
    rewriteCall(node as unknown as FunctionNode, { isMapColumn });
  }
  for (const value of Object.values(node)) rewriteTree(value, tables);
}

async function scalar(connection: DuckDBConnection, sql: string, value: string): Promise<string> {
  const reader = await connection.runAndReadAll(sql, [value]);
  const result = reader.getRowsJS()[0]?.[0];
  if (typeof result !== 'string') throw new Error(`unexpected result of ${sql}`);
  return result;
}

interface SerializedQuery {
  error: boolean;
  error_message?: string;
  statements?: Json[];
}

export async function translateQuery(
  connection: DuckDBConnection,
  text: string,
): Promise<TranslatedQuery> {
  if (text.trim() === '') throw new UsageError('the query is empty');
  const { sql, parameters } = rewriteLakeReferences(text);
  const serialized = parseLossless(
    await scalar(connection, 'SELECT json_serialize_sql($1::VARCHAR)', sql),
  ) as SerializedQuery;
  if (serialized.error) {
    const message = serialized.error_message ?? 'cannot parse the query';
    if (/only SELECT statements/i.test(message)) {
      const keyword = statementKeywords(sql).find((k) => !READ_KEYWORDS.has(k)) || 'this';
      refuse(
        `${keyword} statements cannot run; ctlake runs one read-only query (SELECT) at a time`,
      );
    }
    throw new QueryError('QUERY_FAILED', firstLine(message));
  }
  const statements = serialized.statements ?? [];
  if (statements.length !== 1) {
    refuse(`${String(statements.length)} statements in one query; run them one at a time`);
  }
  const cteNames = new Set<string>();
  collectCteNames(statements, cteNames);
  const tables = new Set([EVENT_TABLE, ...cteNames]);
  try {
    rewriteTree(statements, tables);
    addInListRanges(statements, EVENT_TABLE, cteNames.has(EVENT_TABLE));
  } catch (error) {
    if (error instanceof DialectError) throw new QueryError('QUERY_FAILED', error.message);
    throw error;
  }
  const rewritten = await scalar(
    connection,
    'SELECT json_deserialize_sql($1::JSON)',
    stringifyLossless({ ...serialized, statements }) ?? '',
  );
  return { sql: rewritten, parameters };
}
