/**
 * How each Trino / CloudTrail Lake function that DuckDB lacks, or has with other semantics, is
 * rewritten in the parsed query. One table, so the supported dialect is listed in one place and
 * README's table can be checked against it.
 */
import { LosslessNumber } from 'lossless-json';
import { DateFormatError, jodaToStrftime, mysqlToStrftime } from './datetime-format.js';

/** A function call node of DuckDB's serialized AST (the fields the rewrite touches). */
export interface FunctionNode {
  function_name: string;
  schema: string;
  catalog?: string;
  children: ExpressionNode[];
}

export interface ExpressionNode {
  class: string;
  type: string;
  [key: string]: unknown;
}

export class DialectError extends Error {
  override readonly name = 'DialectError';
}

/** What a rewrite can ask of its context. */
export interface RewriteContext {
  /** True when `node` is a reference to a MAP column of the event table. */
  isMapColumn(node: ExpressionNode | undefined): boolean;
}

type Rewrite = (call: FunctionNode, context: RewriteContext) => void;

function constantString(node: ExpressionNode | undefined, what: string): string {
  const value = node?.['value'] as { value?: unknown; type?: { id?: string } } | undefined;
  if (node?.class !== 'CONSTANT' || typeof value?.value !== 'string') {
    throw new DialectError(`${what} must be a constant string`);
  }
  return value.value;
}

function setConstantString(node: ExpressionNode | undefined, text: string): void {
  const value = node?.['value'] as { value?: unknown } | undefined;
  if (value) value.value = text;
}

export function stringConstant(text: string): ExpressionNode {
  return {
    class: 'CONSTANT',
    type: 'VALUE_CONSTANT',
    alias: '',
    query_location: new LosslessNumber('18446744073709551615'),
    value: { type: { id: 'VARCHAR', type_info: null }, is_null: false, value: text },
  };
}

const rename =
  (to: string): Rewrite =>
  (call) => {
    call.function_name = to;
  };

/** Trino JSONPath allows `$["key"]`; DuckDB spells it `$."key"`. */
export function trinoJsonPath(path: string): string {
  return path.replace(/\[\s*"((?:[^"\\]|\\.)*)"\s*\]/g, '."$1"');
}

const withJsonPath =
  (to: string): Rewrite =>
  (call) => {
    call.function_name = to;
    const path = call.children[1];
    if (path?.class === 'CONSTANT')
      setConstantString(path, trinoJsonPath(constantString(path, 'a JSON path')));
  };

const withDatePattern =
  (to: string, convert: (p: string) => string, name: string): Rewrite =>
  (call) => {
    call.function_name = to;
    const pattern = call.children[1];
    try {
      setConstantString(pattern, convert(constantString(pattern, `the pattern of ${name}`)));
    } catch (error) {
      if (error instanceof DateFormatError) throw new DialectError(`${name}: ${error.message}`);
      throw error;
    }
  };

const FUNCTIONS: Record<string, Rewrite> = {
  // date_add(unit, n, ts) is Trino's; DuckDB's own date_add(ts, interval) keeps working.
  date_add: (call) => {
    if (call.children.length === 3) call.function_name = 'ct_date_add';
  },
  // Trino counts whole units between the instants, as DuckDB's date_sub does (date_diff counts
  // boundaries crossed: 23:00 → 01:00 is one day for DuckDB's date_diff, zero for Trino).
  date_diff: rename('date_sub'),
  // element_at(map, key) is the value; element_at(array, index) the element. DuckDB needs to
  // know which: a map column of the event table or a string key means a map.
  element_at: (call, context) => {
    const [container, key] = call.children;
    const keyType = (
      (key?.['value'] as { type?: { id?: string } } | undefined)?.type?.id ?? ''
    ).toUpperCase();
    const isMap =
      context.isMapColumn(container) || (key?.class === 'CONSTANT' && keyType === 'VARCHAR');
    call.function_name = isMap ? 'map_extract_value' : 'array_extract';
  },
  json_extract_scalar: withJsonPath('ct_json_extract_scalar'),
  json_extract: withJsonPath('json_extract'),
  json_array_get: rename('ct_json_array_get'),
  json_parse: rename('json'),
  json_format: rename('ct_json_format'),
  from_iso8601_timestamp: rename('ct_from_iso8601_timestamp'),
  from_iso8601_date: rename('ct_from_iso8601_date'),
  to_iso8601: rename('ct_to_iso8601'),
  from_unixtime: rename('to_timestamp'),
  to_unixtime: rename('epoch'),
  format_datetime: withDatePattern(
    'strftime',
    (p) => jodaToStrftime(p, 'format'),
    'format_datetime',
  ),
  parse_datetime: withDatePattern('strptime', (p) => jodaToStrftime(p, 'parse'), 'parse_datetime'),
  date_format: withDatePattern('strftime', mysqlToStrftime, 'date_format'),
  date_parse: withDatePattern('strptime', mysqlToStrftime, 'date_parse'),
  regexp_like: rename('regexp_matches'),
  // Trino replaces every match and writes group references as $1; DuckDB needs 'g' and \1.
  regexp_replace: (call) => {
    const replacement = call.children[2];
    if (replacement?.class === 'CONSTANT') {
      setConstantString(
        replacement,
        constantString(replacement, 'the replacement').replace(/\$(\d)/g, '\\$1'),
      );
    }
    if (call.children.length === 2) call.children.push(stringConstant(''));
    if (call.children.length === 3) call.children.push(stringConstant('g'));
  },
  approx_distinct: rename('approx_count_distinct'),
  approx_percentile: rename('approx_quantile'),
  arbitrary: rename('any_value'),
  day_of_week: rename('isodow'),
  dow: rename('isodow'),
  day_of_year: rename('dayofyear'),
  doy: rename('dayofyear'),
  last_day_of_month: rename('last_day'),
  // cardinality() counts array elements or map entries; DuckDB has len() and cardinality().
  cardinality: (call, context) => {
    if (!context.isMapColumn(call.children[0])) call.function_name = 'len';
  },
  split: rename('string_split'),
  array_join: rename('array_to_string'),
  array_distinct: rename('list_distinct'),
  array_sort: rename('list_sort'),
  array_max: rename('list_max'),
  array_min: rename('list_min'),
  array_position: rename('list_position'),
  format: rename('printf'),
};

export const TRINO_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS).sort();

/** Rewrites one call in place when its (unqualified) name is a Trino function to translate. */
export function rewriteCall(call: FunctionNode, context: RewriteContext): void {
  if (call.schema !== '' || (call.catalog ?? '') !== '') return;
  const rewrite = FUNCTIONS[call.function_name.toLowerCase()];
  rewrite?.(call, context);
}
