/**
 * DuckDB's parse tree as `json_serialize_sql` writes it, and the one walk every pass over it uses
 * (the sandbox's checks, the Trino translation, the IN-list ranges). Numbers stay lossless
 * (LosslessNumber): query locations are 64-bit sentinels that a JavaScript number would round.
 *
 * The walk knows SQL's scoping of WITH names, which the sandbox depends on: a name is in scope in
 * the WITH bodies after its own and in the query the WITH belongs to, nowhere else, and in its
 * own body only when it is recursive.
 */
import { LosslessNumber } from 'lossless-json';

export type TreeValue = null | boolean | string | LosslessNumber | TreeValue[] | TreeNode;

/** One node: an object of the serialized tree (`class`/`type` say what it is). */
export interface TreeNode {
  [key: string]: TreeValue;
}

export function isNode(value: TreeValue | undefined): value is TreeNode {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof LosslessNumber)
  );
}

/** A string field of a node, or '' when it is absent or not a string. */
export function textOf(node: TreeNode, key: string): string {
  const value = node[key];
  return typeof value === 'string' ? value : '';
}

/**
 * Names as DuckDB matches table names: case-insensitive for ASCII letters only. JavaScript's
 * toLowerCase folds more (the Kelvin sign to `k`), and a name DuckDB does not match to a WITH is
 * read as a file path.
 */
export function asciiLower(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export interface CteEntry {
  /** The WITH name, folded with asciiLower. */
  readonly name: string;
  readonly body: TreeValue;
}

/** The WITH entries a node defines (its `cte_map`), in order. */
export function cteEntries(node: TreeNode): CteEntry[] {
  const map = node['cte_map'];
  const entries = isNode(map) ? map['map'] : undefined;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry) => {
    if (!isNode(entry) || typeof entry['key'] !== 'string') return [];
    return [{ name: asciiLower(entry['key']), body: entry['value'] ?? null }];
  });
}

/** Table names in scope at a node: the event view and the WITH names visible there. */
export type Scope = ReadonlySet<string>;

/**
 * Calls `visit` on every node of the tree, a parent before its children, with the table names in
 * scope at that node (`scope` at the root).
 */
export function visitNodes(
  value: TreeValue,
  scope: Scope,
  visit: (node: TreeNode, scope: Scope) => void,
): void {
  if (Array.isArray(value)) {
    for (const child of value) visitNodes(child, scope, visit);
    return;
  }
  if (!isNode(value)) return;
  let visible = scope;
  for (const { name, body } of cteEntries(value)) {
    visitNodes(body, visible, visit);
    visible = new Set([...visible, name]);
  }
  visit(value, visible);
  const done = new Set(['cte_map']);
  if (value['type'] === 'RECURSIVE_CTE_NODE') {
    visitNodes(value['left'] ?? null, visible, visit);
    visitNodes(
      value['right'] ?? null,
      new Set([...visible, asciiLower(textOf(value, 'cte_name'))]),
      visit,
    );
    done.add('left').add('right');
  }
  for (const [key, child] of Object.entries(value)) {
    if (!done.has(key)) visitNodes(child, visible, visit);
  }
}

/**
 * Replaces nodes bottom-up, in place: `replace` sees each node after its children and returns
 * the node to put in its slot (or undefined to keep it). The walk does not enter a node for
 * which `stop` holds (a subquery with a scope of its own), nor replace it.
 */
export function replaceNodes(
  holder: TreeNode | TreeValue[],
  key: string | number,
  replace: (node: TreeNode) => TreeNode | undefined,
  stop: (node: TreeNode) => boolean,
): void {
  const slots = holder as Record<string | number, TreeValue>;
  const value = slots[key];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) replaceNodes(value, i, replace, stop);
    return;
  }
  if (!isNode(value) || stop(value)) return;
  for (const child of Object.keys(value)) replaceNodes(value, child, replace, stop);
  const replaced = replace(value);
  if (replaced) slots[key] = replaced;
}
