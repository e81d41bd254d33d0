/**
 * `eventName IN ('Retrieve', 'RetrieveAndGenerate')` gets the range it implies beside it:
 * `AND eventName >= 'Retrieve' AND eventName <= 'RetrieveAndGenerate'`, the list's least and
 * greatest values.
 *
 * Why: DuckDB hands an IN list to the Parquet scan only as an optional filter (row-group pruning);
 * every row the other filters pass is then decoded in full — userIdentity, requestParameters,
 * resources — before the IN is applied. A range is a real scan filter, so rows outside it are
 * dropped before the wide columns are read: on a 10M-event lake the Bedrock knowledge-base query
 * went from 5.2 s to 0.6 s, the S3 deletions query from 2.5 s to 0.9 s. (A disjunction of point
 * ranges would be tighter, but DuckDB's optimizer folds it back into the optional IN filter.)
 * The bounds are found here, comparing the literals' UTF-8 bytes as DuckDB compares VARCHARs,
 * so the query carries two constants, not the list twice more (a 60,000-value list tripled the
 * text DuckDB prints, parses and binds).
 *
 * The result is unchanged in SQL's three-valued logic: for a NULL column both sides are NULL;
 * otherwise IN true implies the range, and IN false makes the conjunction false. It is applied
 * only where that is sure to hold: in the WHERE clause of a SELECT that reads the event view
 * itself (no join, no CTE shadowing its name), to one of its string columns, with string
 * literals — IN and the comparisons then use the same VARCHAR ordering.
 */
import { RECORD_FIELDS } from '../../schema/event-schema.js';
import {
  isNode,
  replaceNodes,
  textOf,
  type TreeNode,
  type TreeValue,
  visitNodes,
} from '../sql-tree.js';

const STRING_COLUMNS = new Set(
  RECORD_FIELDS.filter((f) => f.type.kind === 'string').map((f) => f.name.toLowerCase()),
);

/** `eventName`, or `t.eventName` with `t` the view's name or alias: a top-level string field. */
function isStringColumn(
  node: TreeValue | undefined,
  tableNames: ReadonlySet<string>,
): node is TreeNode {
  if (!isNode(node) || node['class'] !== 'COLUMN_REF') return false;
  const names = node['column_names'];
  if (!Array.isArray(names) || names.length === 0 || names.length > 2) return false;
  const first = names.length === 2 ? names[0] : undefined;
  const last = names[names.length - 1];
  if (first !== undefined && !(typeof first === 'string' && tableNames.has(first.toLowerCase())))
    return false;
  return typeof last === 'string' && STRING_COLUMNS.has(last.toLowerCase());
}

function isStringLiteral(node: TreeValue | undefined): node is TreeNode {
  if (!isNode(node) || node['class'] !== 'CONSTANT') return false;
  const value = node['value'];
  if (!isNode(value) || value['is_null'] !== false) return false;
  const type = value['type'];
  return isNode(type) && type['id'] === 'VARCHAR';
}

function comparison(type: string, left: TreeNode, right: TreeNode, location: TreeValue): TreeNode {
  return { class: 'COMPARISON', type, alias: '', query_location: location, left, right };
}

/** The literal's text (isStringLiteral holds). */
function literalText(node: TreeNode): string {
  const value = node['value'];
  return isNode(value) ? textOf(value, 'value') : '';
}

/** The least and greatest of string literals, in DuckDB's VARCHAR order (UTF-8 bytes). */
function bounds(list: readonly TreeNode[]): [TreeNode | undefined, TreeNode | undefined] {
  let least: { node: TreeNode; bytes: Buffer } | undefined;
  let greatest: { node: TreeNode; bytes: Buffer } | undefined;
  for (const node of list) {
    const bytes = Buffer.from(literalText(node));
    if (least === undefined || Buffer.compare(bytes, least.bytes) < 0) least = { node, bytes };
    if (greatest === undefined || Buffer.compare(bytes, greatest.bytes) > 0)
      greatest = { node, bytes };
  }
  return [least?.node, greatest?.node];
}

/** The conjunction replacing an eligible IN node, or undefined when it is not eligible. */
function withRange(node: TreeNode, tableNames: ReadonlySet<string>): TreeNode | undefined {
  if (node['class'] !== 'OPERATOR' || node['type'] !== 'COMPARE_IN') return undefined;
  const children = node['children'];
  if (!Array.isArray(children) || children.length < 3) return undefined;
  const [column, ...rest] = children;
  if (!isStringColumn(column, tableNames)) return undefined;
  const list = rest.filter(isStringLiteral);
  if (list.length !== rest.length) return undefined;
  const [least, greatest] = bounds(list);
  if (least === undefined || greatest === undefined) return undefined;
  // Nodes are shared, not copied: the tree is only printed after this pass, and its numbers are
  // LosslessNumber instances that a structured clone would turn into plain objects.
  const at = node['query_location'] ?? null;
  return {
    class: 'CONJUNCTION',
    type: 'CONJUNCTION_AND',
    alias: node['alias'] ?? '',
    query_location: at,
    children: [
      { ...node, alias: '' },
      comparison('COMPARE_GREATERTHANOREQUALTO', column, least, at),
      comparison('COMPARE_LESSTHANOREQUALTO', column, greatest, at),
    ],
  };
}

/**
 * Finds every SELECT reading the event view directly and rewrites, bottom-up, the eligible IN
 * lists of its WHERE clause (not those of its subqueries, which have scopes of their own).
 * `viewName` is the view; `shadowed` says a CTE of the same name hides it, and then nothing is
 * rewritten.
 */
export function addInListRanges(tree: TreeValue, viewName: string, shadowed: boolean): void {
  if (shadowed) return;
  visitNodes(tree, new Set(), (node) => {
    if (node['type'] !== 'SELECT_NODE') return;
    const from = node['from_table'];
    if (
      !isNode(from) ||
      from['type'] !== 'BASE_TABLE' ||
      textOf(from, 'table_name').toLowerCase() !== viewName
    ) {
      return;
    }
    const alias = textOf(from, 'alias').toLowerCase();
    const names = new Set([alias === '' ? viewName : alias]);
    replaceNodes(
      node,
      'where_clause',
      (candidate) => withRange(candidate, names),
      (candidate) => candidate['type'] === 'SELECT_NODE',
    );
  });
}
