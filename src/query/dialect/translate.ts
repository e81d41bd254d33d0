/**
 * CloudTrail Lake SQL (Trino dialect) → DuckDB SQL, through DuckDB's own parser: the text is
 * parsed with `json_serialize_sql`, function calls are rewritten in the tree, and
 * `json_deserialize_sql` prints the result. The sandbox (../sandbox.ts) checks the tree before the
 * rewrite and the printed text again, since that text is what runs.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { stringify as stringifyLossless } from 'lossless-json';
import { QueryError, UsageError } from '../../errors.js';
import { RECORD_FIELDS, type Field } from '../../schema/event-schema.js';
import { checkQueryTree, parseOneSelect, refuse } from '../sandbox.js';
import { cteEntries, type TreeNode, type TreeValue, visitNodes } from '../sql-tree.js';
import { rewriteCurrentTime } from './current-time.js';
import { addInListRanges } from './in-list-ranges.js';
import { EVENT_TABLE, rewriteLakeReferences } from './lake-references.js';
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

/** Whether any WITH of the tree is named `name` (it then hides the view). */
function definesCte(tree: TreeValue, name: string): boolean {
  let found = false;
  visitNodes(tree, new Set(), (node) => {
    if (cteEntries(node).some((entry) => entry.name === name)) found = true;
  });
  return found;
}

/** Rewrites the Trino calls of the tree in place (trino-functions.ts). */
function rewriteCalls(tree: TreeValue): void {
  visitNodes(tree, new Set(), (node: TreeNode) => {
    if (
      (node['class'] === 'FUNCTION' || node['class'] === 'WINDOW') &&
      typeof node['function_name'] === 'string'
    ) {
      rewriteCall(node as unknown as FunctionNode, { isMapColumn });
    }
  });
}

async function deserialize(connection: DuckDBConnection, tree: TreeNode): Promise<string> {
  const reader = await connection.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [
    stringifyLossless(tree) ?? '',
  ]);
  const sql = reader.getRowsJS()[0]?.[0];
  if (typeof sql !== 'string') throw new Error('json_deserialize_sql gave no text');
  return sql;
}

export async function translateQuery(
  connection: DuckDBConnection,
  text: string,
): Promise<TranslatedQuery> {
  if (text.trim() === '') throw new UsageError('the query is empty');
  const { sql, parameters } = rewriteLakeReferences(text);
  const allowed = new Set(parameters);
  const { serialized, statement } = await parseOneSelect(connection, sql);
  checkQueryTree(statement, EVENT_TABLE, allowed);
  try {
    rewriteCalls(statement);
    rewriteCurrentTime(statement);
    addInListRanges(statement, EVENT_TABLE, definesCte(statement, EVENT_TABLE));
  } catch (error) {
    if (error instanceof DialectError) throw new QueryError('QUERY_FAILED', error.message);
    throw error;
  }
  const rewritten = await deserialize(connection, { ...serialized, statements: [statement] });
  // The text printed from the tree is what runs, so it is parsed and checked again: DuckDB prints
  // some quoted names bare, and a name holding `;` or a comment would otherwise run as SQL of its own.
  const printed = await parseOneSelect(connection, rewritten).catch(() =>
    refuse('the query does not print back as one SELECT (a quoted name holding ; or --?)'),
  );
  checkQueryTree(printed.statement, EVENT_TABLE, allowed);
  return { sql: rewritten, parameters };
}
