/**
 * `now()` and `current_timestamp` compared with a time become `ct_now()`: the same instant as a
 * UTC TIMESTAMP, the type of `eventTime` (sessions run in UTC). Trino's and DuckDB's carry a zone,
 * and DuckDB compares a zoned value with `eventTime` by converting the `eventTime` of every row
 * through ICU: `eventTime > date_add('day', -7, now())` over 1.2M rows spent ~120 ms on that
 * alone, and the filter could not reach the Parquet scan. With both sides plain timestamps it is
 * folded to a constant there, and row groups outside the window are skipped on their statistics.
 *
 * Only where the value can do nothing but be compared: directly a side of a comparison or
 * BETWEEN, or reached from one through date arithmetic (Trino's `date_add`, `+`, `-`,
 * `date_trunc`), all of which give the same instant either way in UTC. Anywhere else — a selected
 * value, `AT TIME ZONE`, a format with a zone letter, a CTE column used later — the zone would
 * show, so it is left as it was.
 */
import { isNode, type TreeNode, type TreeValue, textOf } from '../sql-tree.js';

export const CURRENT_TIME_FUNCTION = 'ct_now';

/** Functions through which a compared time stays the same instant, zoned or not (in UTC). */
const TIME_ARITHMETIC = new Set(['ct_date_add', 'date_add', '+', '-', 'date_trunc']);

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

/** A bare `current_timestamp`, which DuckDB parses as a column name (no event column has it). */
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

/**
 * Whether the query names a column `current_timestamp` anywhere (an alias, a derived table's or a
 * WITH's column list), which a bare `current_timestamp` would then mean.
 */
function namesCurrentTimestamp(tree: TreeValue): boolean {
  const isName = (v: TreeValue): boolean =>
    typeof v === 'string' && v.toLowerCase() === 'current_timestamp';
  const walk = (value: TreeValue): boolean => {
    if (Array.isArray(value)) return value.some(walk);
    if (!isNode(value)) return false;
    return Object.entries(value).some(([key, child]) => {
      if (key === 'alias' && isName(child)) return true;
      if ((key === 'column_name_alias' || key === 'aliases') && Array.isArray(child))
        return child.some(isName);
      return walk(child);
    });
  };
  return walk(tree);
}

function currentTimeCall(replaced: TreeNode): TreeNode {
  return {
    class: 'FUNCTION',
    type: 'FUNCTION',
    alias: replaced['alias'] ?? '',
    query_location: replaced['query_location'] ?? null,
    function_name: CURRENT_TIME_FUNCTION,
    schema: '',
    children: [],
    filter: null,
    order_bys: { type: 'ORDER_MODIFIER', orders: [] },
    distinct: false,
    is_operator: false,
    export_state: false,
    catalog: '',
  };
}

/** Rewrites the tree in place. */
export function rewriteCurrentTime(tree: TreeValue): void {
  if (!isNode(tree)) return;
  const columnsToo = !namesCurrentTimestamp(tree);
  const isCurrentTime = (node: TreeNode): boolean =>
    isNow(node) || (columnsToo && isCurrentTimestamp(node));
  /** `compared`: the values held by `holder` are sides of a comparison, through time arithmetic only. */
  const walk = (holder: TreeNode | TreeValue[], compared: boolean): void => {
    const entries: [string | number, TreeValue][] = Array.isArray(holder)
      ? holder.map((v, i) => [i, v])
      : Object.entries(holder);
    for (const [key, child] of entries) {
      if (Array.isArray(child)) {
        walk(child, compared);
      } else if (isNode(child)) {
        if (compared && isCurrentTime(child)) {
          if (Array.isArray(holder)) holder[key as number] = currentTimeCall(child);
          else holder[key as string] = currentTimeCall(child);
          continue;
        }
        walk(
          child,
          child['class'] === 'COMPARISON' ||
            child['class'] === 'BETWEEN' ||
            (compared &&
              child['class'] === 'FUNCTION' &&
              TIME_ARITHMETIC.has(textOf(child, 'function_name').toLowerCase())),
        );
      }
    }
  };
  walk(tree, false);
}
