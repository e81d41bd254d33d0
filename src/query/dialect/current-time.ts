/**
 * `now()` and `current_timestamp` become `ct_now()`: the same instant as a UTC TIMESTAMP, the type
 * of `eventTime` (sessions run in UTC). Trino's and DuckDB's are TIMESTAMP WITH TIME ZONE, and
 * DuckDB compares one with `eventTime` by converting the `eventTime` of every row through ICU:
 * `eventTime > date_add('day', -7, now())` over 1.2M rows spent ~120 ms on that alone, and the
 * filter could not reach the Parquet scan. With both sides plain timestamps it is folded to a
 * constant there, and row groups outside the window are skipped on their statistics.
 *
 * Left as they are inside `AT TIME ZONE` (DuckDB's `timezone`), whose result depends on whether
 * its argument carries a zone.
 */
import { isNode, type TreeNode, type TreeValue, textOf } from '../sql-tree.js';

export const CURRENT_TIME_FUNCTION = 'ct_now';

function isNow(node: TreeNode): boolean {
  const children = node['children'];
  return (
    node['class'] === 'FUNCTION' &&
    textOf(node, 'function_name').toLowerCase() === 'now' &&
    textOf(node, 'schema') === '' &&
    Array.isArray(children) &&
    children.length === 0
  );
}

/** A bare `current_timestamp`, which DuckDB parses as a column name (no column goes by it). */
function isCurrentTimestamp(node: TreeNode): boolean {
  const names = node['column_names'];
  return (
    node['class'] === 'COLUMN_REF' &&
    Array.isArray(names) &&
    names.length === 1 &&
    typeof names[0] === 'string' &&
    names[0].toLowerCase() === 'current_timestamp'
  );
}

/** Whether any expression of the tree is named `current_timestamp`, which a bare one could mean. */
function namesCurrentTimestamp(tree: TreeValue): boolean {
  if (Array.isArray(tree)) return tree.some(namesCurrentTimestamp);
  if (!isNode(tree)) return false;
  if (textOf(tree, 'alias').toLowerCase() === 'current_timestamp') return true;
  return Object.values(tree).some(namesCurrentTimestamp);
}

function becomeCurrentTime(node: TreeNode): void {
  const { alias = '', query_location: location = null } = node;
  for (const key of Object.keys(node)) delete node[key];
  Object.assign(node, {
    class: 'FUNCTION',
    type: 'FUNCTION',
    alias,
    query_location: location,
    function_name: CURRENT_TIME_FUNCTION,
    schema: '',
    children: [],
    filter: null,
    order_bys: { type: 'ORDER_MODIFIER', orders: [] },
    distinct: false,
    is_operator: false,
    export_state: false,
    catalog: '',
  });
}

/** Rewrites the tree in place. */
export function rewriteCurrentTime(tree: TreeValue): void {
  const columnsToo = !namesCurrentTimestamp(tree);
  const walk = (value: TreeValue): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (!isNode(value)) return;
    if (value['class'] === 'FUNCTION' && textOf(value, 'function_name') === 'timezone') return;
    if (isNow(value) || (columnsToo && isCurrentTimestamp(value))) {
      becomeCurrentTime(value);
      return;
    }
    Object.values(value).forEach(walk);
  };
  walk(tree);
}
