/**
 * `now()` and `current_timestamp` compared with a time become `ct_now()`: the same instant as a
 * UTC TIMESTAMP, the type of `eventTime` (sessions run in UTC). Trino's and DuckDB's carry a zone,
 * and DuckDB compares a zoned value with `eventTime` by converting the `eventTime` of every row
 * through ICU: `eventTime > date_add('day', -7, now())` over 1.2M rows spent ~120 ms on that
 * alone, and the filter could not reach the Parquet scan. With both sides plain timestamps it is
 * folded to a constant there, and row groups outside the window are skipped on their statistics.
 *
 * Only where an event time (`eventTime`, `creationDate`) is compared with it: the other side of
 * a comparison or the bounds of a BETWEEN, directly or through date arithmetic (Trino's
 * `date_add`, `+`, `-`, `date_trunc`), all of which give the same instant either way in UTC.
 * Anywhere else — a selected value, `AT TIME ZONE`, a format with a zone letter, a CTE column
 * used later, a comparison with text (whose offset a zoned comparison honours) — it is left as
 * it was.
 */
import { isNode, type TreeNode, type TreeValue, textOf, visitNodes } from '../sql-tree.js';

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
  const isName = (v: TreeValue | undefined): boolean =>
    typeof v === 'string' && v.toLowerCase() === 'current_timestamp';
  let named = false;
  visitNodes(tree, new Set(), (node) => {
    const lists = [node['column_name_alias'], node['aliases']];
    if (isName(node['alias']) || lists.some((l) => Array.isArray(l) && l.some(isName)))
      named = true;
  });
  return named;
}

/**
 * In place, as the Trino rewrites do: `now()` is renamed; a bare `current_timestamp` (a column
 * reference in the tree) becomes the same call.
 */
function becomeCurrentTime(node: TreeNode): void {
  if (node['class'] === 'COLUMN_REF') {
    delete node['column_names'];
    Object.assign(node, {
      class: 'FUNCTION',
      type: 'FUNCTION',
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
  node['function_name'] = CURRENT_TIME_FUNCTION;
}

/** The event's own times: TIMESTAMP columns (event-schema.ts), compared with windows. */
const TIME_COLUMNS = new Set(['eventtime', 'creationdate']);

function isTimeColumn(value: TreeValue | undefined): boolean {
  if (!isNode(value) || value['class'] !== 'COLUMN_REF') return false;
  const names = value['column_names'];
  const last = Array.isArray(names) ? names[names.length - 1] : undefined;
  return typeof last === 'string' && TIME_COLUMNS.has(last.toLowerCase());
}

const NO_SIDES: ReadonlySet<string> = new Set();

/** The keys of a comparison or BETWEEN that hold what an event time is compared with. */
function timeSides(node: TreeNode): ReadonlySet<string> {
  if (node['class'] === 'COMPARISON') {
    if (isTimeColumn(node['left'])) return new Set(['right']);
    if (isTimeColumn(node['right'])) return new Set(['left']);
  }
  if (node['class'] === 'BETWEEN' && isTimeColumn(node['input'])) {
    return new Set(['lower', 'upper']);
  }
  return NO_SIDES;
}

/** Rewrites the tree in place. */
export function rewriteCurrentTime(tree: TreeValue): void {
  const columnsToo = !namesCurrentTimestamp(tree);
  const isCurrentTime = (node: TreeNode): boolean =>
    isNow(node) || (columnsToo && isCurrentTimestamp(node));
  /** `compared`: `value` is what an event time is compared with, through time arithmetic only. */
  const visit = (value: TreeValue, compared: boolean): void => {
    if (Array.isArray(value)) {
      for (const child of value) visit(child, compared);
      return;
    }
    if (!isNode(value)) return;
    if (compared && isCurrentTime(value)) {
      becomeCurrentTime(value);
      return;
    }
    const sides = timeSides(value);
    const arithmetic =
      compared &&
      value['class'] === 'FUNCTION' &&
      TIME_ARITHMETIC.has(textOf(value, 'function_name').toLowerCase());
    for (const [key, child] of Object.entries(value)) visit(child, arithmetic || sides.has(key));
  };
  visit(tree, false);
}
