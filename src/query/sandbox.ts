/**
 * What a query may do. A user's SQL (and the SQL of every analyst feature, which reads the lake
 * only through the query layer) is one read-only SELECT over the event view, with only `${name}`
 * parameters; it reads no file, calls no function that binds SQL of its own, and runs in a session
 * that cannot reach outside the lake's events directory or change its own limits.
 *
 * The rules are checked on DuckDB's own parse tree (sql-tree.ts), before the query runs and again
 * on the text that will run; the session settings are the layer underneath.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { parse as parseLossless } from 'lossless-json';
import { isNotSelectMessage } from '../duckdb/errors.js';
import { literalGlob } from '../duckdb/file-path.js';
import { quotedString } from '../duckdb/sql-text.js';
import { QueryError, firstLine } from '../errors.js';
import { OBJECTS_VIEW } from '../lake/objects-view.js';
import { statementKeywords } from './dialect/sql-lexer.js';
import {
  asciiLower,
  isNode,
  type TreeNode,
  type TreeValue,
  textOf,
  visitNodes,
} from './sql-tree.js';

/** Table functions a query may call: none of them reads a file. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
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
export const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set([
  'json_serialize_plan',
  'json_execute_serialized_sql',
]);

/** How read-only queries begin; a statement starting otherwise is named when refused. */
const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', '']);

export function refuse(message: string): never {
  throw new QueryError('QUERY_REFUSED', `refused: ${message}`);
}

/** A query's tree as json_serialize_sql gives it, with its one statement. */
export interface ParsedSelect {
  readonly serialized: TreeNode;
  readonly statement: TreeValue;
}

async function scalar(connection: DuckDBConnection, sql: string, value: string): Promise<string> {
  const reader = await connection.runAndReadAll(sql, [value]);
  const result = reader.getRowsJS()[0]?.[0];
  if (typeof result !== 'string') throw new Error(`unexpected result of ${sql}`);
  return result;
}

/**
 * DuckDB's parse tree of `sql`, which must be one SELECT statement: DuckDB serializes nothing
 * else, so COPY, ATTACH, SET, PRAGMA, INSTALL and several statements are refused here, naming
 * the statement.
 */
export async function parseOneSelect(
  connection: DuckDBConnection,
  sql: string,
): Promise<ParsedSelect> {
  const json = await scalar(connection, 'SELECT json_serialize_sql($1::VARCHAR)', sql);
  let serialized: TreeValue;
  try {
    serialized = parseLossless(json) as TreeValue;
  } catch {
    // DuckDB writes an out-of-range number (1e400) as Infinity, which is not JSON.
    throw new QueryError('QUERY_FAILED', 'a number in the query is out of range');
  }
  if (!isNode(serialized)) throw new QueryError('QUERY_FAILED', 'cannot parse the query');
  if (serialized['error'] === true) {
    const message = textOf(serialized, 'error_message') || 'cannot parse the query';
    if (isNotSelectMessage(message)) {
      const keyword = statementKeywords(sql).find((k) => !READ_KEYWORDS.has(k));
      refuse(
        keyword === undefined
          ? 'only a plain read-only SELECT can be checked, and this one holds more (a PIVOT?)'
          : `${keyword} statements cannot run; ctlake runs one read-only query (SELECT) at a time`,
      );
    }
    throw new QueryError('QUERY_FAILED', firstLine(message));
  }
  const statements = serialized['statements'];
  const count = Array.isArray(statements) ? statements.length : 0;
  const [statement] = Array.isArray(statements) ? statements : [];
  if (count !== 1 || statement === undefined) {
    refuse(`${String(count)} statements in one query; run them one at a time`);
  }
  return { serialized, statement };
}

function isCall(node: TreeNode): boolean {
  // Aggregates used as window functions are WINDOW nodes with the same function_name.
  return (
    (node['class'] === 'FUNCTION' || node['class'] === 'WINDOW') &&
    typeof node['function_name'] === 'string'
  );
}

/**
 * Checks one statement's tree. A table name not in scope (the view, or a WITH name where it is
 * visible) is refused, since DuckDB would read it as a file path; so are table functions outside
 * the allowed list, the refused scalar functions, and parameters other than the query's own
 * `${name}` ones.
 */
export function checkQueryTree(
  statement: TreeValue,
  viewName: string,
  parameters: ReadonlySet<string>,
  otherViews: readonly string[] = [OBJECTS_VIEW],
): void {
  visitNodes(statement, new Set([viewName, ...otherViews]), (node, scope) => {
    if (node['type'] === 'TABLE_FUNCTION') {
      const fn = node['function'];
      const name = (isNode(fn) ? textOf(fn, 'function_name') : '').toLowerCase();
      if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
        refuse(`table function ${name}() is not allowed; a query reads the ${viewName} view only`);
      }
    }
    if (node['type'] === 'BASE_TABLE') {
      const name = textOf(node, 'table_name');
      if (
        !scope.has(asciiLower(name)) ||
        textOf(node, 'schema_name') !== '' ||
        textOf(node, 'catalog_name') !== ''
      ) {
        refuse(
          `FROM ${name}: a query reads the ${[viewName, ...otherViews].join(' and ')} views only (and its own WITH clauses)`,
        );
      }
    }
    if (node['class'] === 'PARAMETER') {
      const name = textOf(node, 'identifier');
      if (!parameters.has(name)) {
        refuse(`parameter $${name}: write a parameter as \${name} and give it with --param`);
      }
    }
    if (isCall(node) && REFUSED_FUNCTIONS.has(textOf(node, 'function_name').toLowerCase())) {
      refuse(`${textOf(node, 'function_name')}() binds SQL of its own and cannot run in a query`);
    }
  });
}

/** Where a session may read, and the one file it may write. */
export interface SessionConfinement {
  readonly eventsDir: string;
  /** Files outside the events directory a view reads (the published objects). */
  readonly readableFiles?: readonly string[];
  /** `--out` of a Parquet result, written by DuckDB itself. */
  readonly writableFile?: string;
  readonly memoryLimit: string;
  readonly tempSpace: string;
}

/**
 * The settings that confine a query session, run after the view is created: DuckDB's memory
 * and spill limits, external access limited to the lake's events directory (as written, and
 * glob-escaped as the view names its parts: file-path.ts), no extension auto-loading, and the
 * configuration locked so the query cannot undo any of it.
 */
export function confinementStatements(confinement: SessionConfinement): string[] {
  const dirs = [...new Set([confinement.eventsDir, literalGlob(confinement.eventsDir)])];
  const allowedPaths = [
    ...new Set([
      ...(confinement.readableFiles ?? []).flatMap((file) => [file, literalGlob(file)]),
      ...(confinement.writableFile === undefined ? [] : [confinement.writableFile]),
    ]),
  ];
  return [
    `SET memory_limit = ${quotedString(confinement.memoryLimit)}`,
    `SET max_temp_directory_size = ${quotedString(confinement.tempSpace)}`,
    `SET allowed_directories = [${dirs.map((dir) => quotedString(`${dir}/`)).join(', ')}]`,
    ...(allowedPaths.length === 0
      ? []
      : [`SET allowed_paths = [${allowedPaths.map(quotedString).join(', ')}]`]),
    `SET enable_external_access = false`,
    `SET autoinstall_known_extensions = false`,
    `SET autoload_known_extensions = false`,
    `SET lock_configuration = true`,
  ];
}
