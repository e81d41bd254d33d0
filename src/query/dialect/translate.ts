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

/**
 * Scalar functions a query may not call. json_serialize_plan binds the SQL text it is given,
 * and binding runs the table functions inside it (read_csv, …): only DuckDB's external-access
 * setting would stop it reading files, and the sandbox does not rest on one setting.
 */
const REFUSED_FUNCTIONS = new Set(['json_serialize_plan', 'json_execute_serialized_sql']);

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

/**
 * Table names as DuckDB matches them: case-insensitive for ASCII letters only. JavaScript's
 * toLowerCase folds more (the Kelvin sign to `k`), and a name DuckDB does not match to a WITH is
 * read as a file path.
 */
function asciiLower(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
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
  for (const { key } of cteEntries(node)) into.add(key);
  for (const value of Object.values(node)) collectCteNames(value, into);
}

interface CteEntry {
  readonly key: string;
  readonly value: Json;
}

function cteEntries(node: { [key: string]: Json }): CteEntry[] {
  const entries = (node['cte_map'] as { map?: Json } | null | undefined)?.map;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry) => {
    if (
      entry === null ||
      typeof entry !== 'object' ||
      Array.isArray(entry) ||
      entry instanceof LosslessNumber
    ) {
      return [];
    }
    const key = entry['key'];
    return typeof key === 'string' ? [{ key: asciiLower(key), value: entry['value'] ?? null }] : [];
  });
}

function withName(scope: ReadonlySet<string>, name: string): Set<string> {
  return new Set([...scope, name]);
}

/**
 * What a walk of the tree enforces, and whether it rewrites Trino calls on the way (the first
 * walk) or only checks (the walk of the text that will run).
 */
interface Walk {
  readonly rewrite: boolean;
  /** The `${name}` parameters of the query: the only parameters it may hold. */
  readonly parameters: ReadonlySet<string>;
}

/**
 * Checks (and rewrites) the tree. `scope` holds the table names a FROM may read at this point:
 * the view and the WITH names defined around it. A name that is not in scope is refused: DuckDB
 * would read it as a file. A WITH name is in scope in the WITH bodies after it and in its query,
 * not elsewhere (not in an outer query, nor in its own body unless it is recursive).
 */
function walkTree(node: Json, scope: ReadonlySet<string>, walk: Walk): void {
  if (Array.isArray(node)) {
    for (const child of node) walkTree(child, scope, walk);
    return;
  }
  if (node === null || typeof node !== 'object' || node instanceof LosslessNumber) return;
  let visible: ReadonlySet<string> = scope;
  for (const { key, value } of cteEntries(node)) {
    walkTree(value, visible, walk);
    visible = withName(visible, key);
  }
  const visited = new Set(['cte_map']);
  if (node['type'] === 'RECURSIVE_CTE_NODE') {
    const name = typeof node['cte_name'] === 'string' ? asciiLower(node['cte_name']) : '';
    walkTree(node['left'] ?? null, visible, walk);
    walkTree(node['right'] ?? null, withName(visible, name), walk);
    visited.add('left').add('right');
  }
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
      !visible.has(asciiLower(name)) ||
      node['schema_name'] !== '' ||
      node['catalog_name'] !== ''
    ) {
      refuse(`FROM ${name}: a query reads the ${EVENT_TABLE} view only (and its own WITH clauses)`);
    }
  }
  if (node['class'] === 'PARAMETER') {
    const name = typeof node['identifier'] === 'string' ? node['identifier'] : '';
    if (!walk.parameters.has(name)) {
      refuse(`parameter $${name}: write a parameter as \${name} and give it with --param`);
    }
  }
  if (
    (node['class'] === 'FUNCTION' || node['class'] === 'WINDOW') &&
    typeof node['function_name'] === 'string' &&
    REFUSED_FUNCTIONS.has(node['function_name'].toLowerCase())
  ) {
    refuse(`${node['function_name']}() binds SQL of its own and cannot run in a query`);
  }
  // Aggregates used as window functions are WINDOW nodes with the same function_name.
  if (
    walk.rewrite &&
    (node['class'] === 'FUNCTION' || node['class'] === 'WINDOW') &&
    typeof node['function_name'] === 'string'
  ) {
    rewriteCall(node as unknown as FunctionNode, { isMapColumn });
  }
  for (const [key, value] of Object.entries(node)) {
    if (!visited.has(key)) walkTree(value, visible, walk);
  }
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

/** DuckDB's parse tree of `sql`, which must be one SELECT statement. */
async function parseOneSelect(
  connection: DuckDBConnection,
  sql: string,
): Promise<{ serialized: SerializedQuery; statement: Json }> {
  const json = await scalar(connection, 'SELECT json_serialize_sql($1::VARCHAR)', sql);
  let serialized: SerializedQuery;
  try {
    serialized = parseLossless(json) as SerializedQuery;
  } catch {
    // DuckDB writes an out-of-range number (1e400) as Infinity, which is not JSON.
    throw new QueryError('QUERY_FAILED', 'a number in the query is out of range');
  }
  if (serialized.error) {
    const message = serialized.error_message ?? 'cannot parse the query';
    if (/only SELECT statements/i.test(message)) {
      const keyword = statementKeywords(sql).find((k) => !READ_KEYWORDS.has(k));
      refuse(
        keyword === undefined
          ? 'only a plain read-only SELECT can be checked, and this one holds more (a PIVOT?)'
          : `${keyword} statements cannot run; ctlake runs one read-only query (SELECT) at a time`,
      );
    }
    throw new QueryError('QUERY_FAILED', firstLine(message));
  }
  const statements = serialized.statements ?? [];
  if (statements.length !== 1 || statements[0] === undefined) {
    refuse(`${String(statements.length)} statements in one query; run them one at a time`);
  }
  return { serialized, statement: statements[0] };
}

export async function translateQuery(
  connection: DuckDBConnection,
  text: string,
): Promise<TranslatedQuery> {
  if (text.trim() === '') throw new UsageError('the query is empty');
  const { sql, parameters } = rewriteLakeReferences(text);
  const { serialized, statement } = await parseOneSelect(connection, sql);
  const cteNames = new Set<string>();
  collectCteNames(statement, cteNames);
  const walk = { rewrite: true, parameters: new Set(parameters) };
  try {
    walkTree(statement, new Set([EVENT_TABLE]), walk);
    addInListRanges([statement], EVENT_TABLE, cteNames.has(EVENT_TABLE));
  } catch (error) {
    if (error instanceof DialectError) throw new QueryError('QUERY_FAILED', error.message);
    throw error;
  }
  const rewritten = await scalar(
    connection,
    'SELECT json_deserialize_sql($1::JSON)',
    stringifyLossless({ ...serialized, statements: [statement] }) ?? '',
  );
  // The text printed from the tree is what runs, so it is parsed and checked again: DuckDB prints
  // some quoted names bare, and a name holding `;` or a comment would otherwise run as SQL of its own.
  const printed = await parseOneSelect(connection, rewritten).catch(() =>
    refuse('the query does not print back as one SELECT (a quoted name holding ; or --?)'),
  );
  walkTree(printed.statement, new Set([EVENT_TABLE]), { ...walk, rewrite: false });
  return { sql: rewritten, parameters };
}
