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

type Node = Record<string, unknown>;

const STRING_COLUMNS = new Set(
  RECORD_FIELDS.filter((f) => f.type.kind === 'string').map((f) => f.name.toLowerCase()),
);

function isObject(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `eventName`, or `t.eventName` with `t` the view's name or alias: a top-level string field. */
function isStringColumn(node: unknown, tableNames: ReadonlySet<string>): node is Node {
  if (!isObject(node) || node['class'] !== 'COLUMN_REF') return false;
  const names = node['column_names'];
  if (!Array.isArray(names) || names.length === 0 || names.length > 2) return false;
  const parts = names as unknown[];
  const first = parts.length === 2 ? parts[0] : undefined;
  const last = parts[parts.length - 1];
  if (first !== undefined && !(typeof first === 'string' && tableNames.has(first.toLowerCase())))
    return false;
  return typeof last === 'string' && STRING_COLUMNS.has(last.toLowerCase());
}

function isStringLiteral(node: unknown): node is Node {
  if (!isObject(node) || node['class'] !== 'CONSTANT') return false;
  const value = node['value'];
  if (!isObject(value) || value['is_null'] !== false) return false;
  const type = value['type'];
  return isObject(type) && type['id'] === 'VARCHAR';
}

function comparison(type: string, left: Node, right: Node, location: unknown): Node {
  return { class: 'COMPARISON', type, alias: '', query_location: location, left, right };
}

/** The literal's text (isStringLiteral holds). */
function literalText(node: Node): string {
  return String((node['value'] as Node)['value']);
}

/** The least and greatest of string literals, in DuckDB's VARCHAR order (UTF-8 bytes). */
function bounds(list: readonly Node[]): [Node | undefined, Node | undefined] {
  let least: { node: Node; bytes: Buffer } | undefined;
  let greatest: { node: Node; bytes: Buffer } | undefined;
  for (const node of list) {
    const bytes = Buffer.from(literalText(node));
    if (least === undefined || Buffer.compare(bytes, least.bytes) < 0) least = { node, bytes };
    if (greatest === undefined || Buffer.compare(bytes, greatest.bytes) > 0)
      greatest = { node, bytes };
  }
  return [least?.node, greatest?.node];
}

/** The conjunction replacing an eligible IN node, or undefined when it is not eligible. */
function withRange(node: Node, tableNames: ReadonlySet<string>): Node | undefined {
  if (node['class'] !== 'OPERATOR' || node['type'] !== 'COMPARE_IN') return undefined;
  const children = node['children'];
  if (!Array.isArray(children) || children.length < 3) return undefined;
  const [column, ...rest] = children as unknown[];
  if (!isStringColumn(column, tableNames)) return undefined;
  const list = rest.filter(isStringLiteral);
  if (list.length !== rest.length) return undefined;
  const [least, greatest] = bounds(list);
  if (least === undefined || greatest === undefined) return undefined;
  // Nodes are shared, not copied: the tree is only printed after this pass, and its numbers are
  // LosslessNumber instances that a structured clone would turn into plain objects.
  const at = node['query_location'];
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

/** Rewrites, in place and bottom-up, the eligible IN lists in `holder[key]` and below it. */
function rewriteSlot(
  holder: Node | unknown[],
  key: string | number,
  tableNames: ReadonlySet<string>,
): void {
  const slots = holder as Record<string | number, unknown>;
  const node = slots[key];
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) rewriteSlot(node, i, tableNames);
    return;
  }
  if (!isObject(node) || node['type'] === 'SELECT_NODE') return; // a subquery: its own scope
  for (const child of Object.keys(node)) rewriteSlot(node, child, tableNames);
  const replaced = withRange(node, tableNames);
  if (replaced) slots[key] = replaced;
}

/**
 * Finds every SELECT reading the event view directly and rewrites its WHERE clause. `viewName` is
 * the view; `shadowed` says a CTE of the same name hides it, and then nothing is rewritten.
 */
export function addInListRanges(tree: unknown, viewName: string, shadowed: boolean): void {
  if (shadowed) return;
  if (Array.isArray(tree)) {
    for (const child of tree) addInListRanges(child, viewName, shadowed);
    return;
  }
  if (!isObject(tree)) return;
  if (tree['type'] === 'SELECT_NODE') {
    const from = tree['from_table'];
    if (
      isObject(from) &&
      from['type'] === 'BASE_TABLE' &&
      typeof from['table_name'] === 'string' &&
      from['table_name'].toLowerCase() === viewName
    ) {
      const alias = typeof from['alias'] === 'string' ? from['alias'].toLowerCase() : '';
      rewriteSlot(tree, 'where_clause', new Set([alias === '' ? viewName : alias]));
    }
  }
  for (const child of Object.values(tree)) addInListRanges(child, viewName, shadowed);
}
