/**
 * A parsed JSON filter pattern (pattern.ts) as a SQL condition on the event's original JSON
 * (`eventJson`), for one scan of the lake instead of a JavaScript evaluator per event. Every
 * value and property path is a `${name}` parameter of the query layer, bound as text, never
 * spliced into the SQL: a pattern comes from a user's file.
 *
 * Semantics, following the CloudWatch Logs user guide (and, where it is silent, chosen here):
 * - A selector matches only a value node: a string, a number or a boolean. One that points at an
 *   object or an array, or at nothing, matches no comparison, `!=` included.
 * - `=`/`!=` with a string (quoted, or unquoted and not a number) compare the node's text,
 *   case-sensitively; `*` matches any run of characters. A number node compares by its JSON text
 *   (`"400"` matches 400).
 * - A number (unquoted, signs and exponents allowed) compares numerically with number nodes only.
 * - `%regex%` matches when the regular expression matches anywhere in the node's text (RE2).
 * - `IS NULL` is a JSON null; `IS TRUE`/`IS FALSE` a JSON boolean; `NOT EXISTS` an absent key.
 */
import type { PatternNode, PatternValue, SelectorStep } from './pattern.js';

/**
 * The lake column that holds a record field's text (`eventName`, a map value), given the
 * field's keys and a way to bind a parameter; undefined when the record's JSON must be read.
 * Reading a column instead of parsing each record is what lets many patterns run over a large
 * lake in one scan; string comparisons give the same answer either way.
 */
export type StringColumn = (
  keys: readonly string[],
  bind: (value: string) => string,
) => string | undefined;

/** A condition for the WHERE clause, and the values of its `${name}` parameters. */
export interface CompiledPattern {
  readonly condition: string;
  readonly params: Readonly<Record<string, string>>;
}

const SCALAR_TYPES = `('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN')`;
const NUMBER_TYPES = `('BIGINT', 'UBIGINT', 'DOUBLE')`;

/** DuckDB's JSON path of a selector; keys are quoted (they may hold `-`). */
export function jsonPath(selector: readonly SelectorStep[]): string {
  return (
    '$' +
    selector.map((step) => ('key' in step ? `."${step.key}"` : `[${String(step.index)}]`)).join('')
  );
}

/** A wildcard value as a LIKE pattern (escape `\`): `*` is any run, `%` and `_` are literal. */
function likePattern(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%');
}

class Compiler {
  readonly params: Record<string, string> = {};
  readonly #paths = new Map<string, string>();
  #next = 0;

  constructor(
    readonly prefix: string,
    readonly column: string,
    readonly stringColumn: StringColumn | undefined,
  ) {}

  /** The lake column holding the selector's value as text, when it has one and may be used. */
  columnOf(selector: readonly SelectorStep[]): string | undefined {
    if (this.stringColumn === undefined || !selector.every((step) => 'key' in step))
      return undefined;
    return this.stringColumn(
      selector.map((step) => (step as { key: string }).key),
      (value) => this.param(value),
    );
  }

  /** A new `${name}` parameter holding `value`. */
  param(value: string): string {
    const name = `${this.prefix}${String(++this.#next)}`;
    this.params[name] = value;
    return `\${${name}}`;
  }

  path(selector: readonly SelectorStep[]): string {
    const path = jsonPath(selector);
    let ref = this.#paths.get(path);
    if (ref === undefined) {
      ref = this.param(path);
      this.#paths.set(path, ref);
    }
    return ref;
  }

  type(selector: readonly SelectorStep[]): string {
    return `json_type(${this.column}, ${this.path(selector)})`;
  }

  text(selector: readonly SelectorStep[]): string {
    return `json_extract_string(${this.column}, ${this.path(selector)})`;
  }

  matches(text: string, value: PatternValue): string {
    switch (value.kind) {
      case 'string':
        return value.text.includes('*')
          ? `${text} LIKE ${this.param(likePattern(value.text))} ESCAPE '\\'`
          : `${text} = ${this.param(value.text)}`;
      case 'regex':
        return `regexp_matches(${text}, ${this.param(value.source)})`;
      case 'number':
        return `CAST(${text} AS DOUBLE) = CAST(${this.param(value.text)} AS DOUBLE)`;
      default:
        return value satisfies never;
    }
  }

  compile(node: PatternNode): string {
    switch (node.kind) {
      case 'or':
      case 'and':
        return `(${node.operands.map((o) => this.compile(o)).join(node.kind === 'or' ? ' OR ' : ' AND ')})`;
      case 'notExists': {
        // Where the lake has a column, a NULL in it stands for an absent key: CloudTrail writes
        // no JSON nulls in those fields, and reading the column spares a parse of every record.
        const column = this.columnOf(node.selector);
        return column === undefined
          ? `(${this.type(node.selector)} IS NULL)`
          : `(${column} IS NULL)`;
      }
      case 'is':
        return node.what === 'NULL'
          ? `(${this.type(node.selector)} = 'NULL')`
          : `(${this.type(node.selector)} = 'BOOLEAN' AND ${this.text(node.selector)} = '${node.what === 'TRUE' ? 'true' : 'false'}')`;
      case 'compare': {
        const { selector, operator, value } = node;
        if (value.kind === 'number') {
          const guard = `${this.type(selector)} IN ${NUMBER_TYPES}`;
          if (operator === '=' || operator === '!=') {
            const equal = this.matches(this.text(selector), value);
            return `(${guard} AND ${operator === '=' ? equal : `NOT (${equal})`})`;
          }
          return `(${guard} AND CAST(${this.text(selector)} AS DOUBLE) ${operator} CAST(${this.param(value.text)} AS DOUBLE))`;
        }
        const column = this.columnOf(selector);
        if (column !== undefined) {
          const match = this.matches(column, value);
          return `(${column} IS NOT NULL AND ${operator === '!=' ? `NOT (${match})` : match})`;
        }
        const guard = `${this.type(selector)} IN ${SCALAR_TYPES}`;
        const match = this.matches(this.text(selector), value);
        return `(${guard} AND ${operator === '!=' ? `NOT (${match})` : match})`;
      }
      default:
        return node satisfies never;
    }
  }
}

/**
 * The pattern as a SQL condition on `column` (default the event view's `"eventJson"`), its
 * parameters named `${prefix}1`, `${prefix}2`, … so that several patterns can share a query.
 */
export function patternToSql(
  node: PatternNode,
  prefix = 'mf',
  column = '"eventJson"',
  stringColumn?: StringColumn,
): CompiledPattern {
  const compiler = new Compiler(prefix, column, stringColumn);
  const condition = compiler.compile(node);
  return { condition, params: compiler.params };
}

/**
 * Patterns (regular expression sources, case-sensitive) one of which the eventName of every
 * event the pattern matches fits, when the pattern implies it (`$.eventName = X`, alone or in
 * every branch of an `||`); null otherwise. The metric scan reads only those events for it.
 */
export function patternEventNames(node: PatternNode): string[] | null {
  switch (node.kind) {
    case 'compare': {
      const step = node.selector[0];
      if (node.selector.length !== 1 || step === undefined || !('key' in step)) return null;
      if (step.key !== 'eventName' || node.operator !== '=') return null;
      const value = node.value;
      if (value.kind === 'regex') return [value.source];
      if (value.kind !== 'string') return null;
      const text = value.text.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replaceAll('*', '.*');
      return [`^${text}$`];
    }
    case 'and': {
      const known = node.operands
        .map(patternEventNames)
        .filter((names): names is string[] => names !== null);
      return known.length === 0 ? null : known.reduce((a, b) => (b.length < a.length ? b : a));
    }
    case 'or': {
      const all = node.operands.map(patternEventNames);
      return all.some((names) => names === null) ? null : (all.flat() as string[]);
    }
    case 'notExists':
    case 'is':
      return null;
    default:
      return node satisfies never;
  }
}
