/**
 * A CloudTrail field named by its dotted path (`eventName`, `userIdentity.sessionContext.
 * sessionIssuer.arn`, `requestParameters.bucketName`, `requestParameters.policy.Statement`) as a
 * SQL value over the lake's `cloudtrail` view, for the rule compilers. A path the lake has a
 * column for reads the column (a scan of one column, not a parse of the record); a map column's
 * top-level key reads the map, where nested values are JSON text as in CloudTrail Lake; any other
 * path reads the record's own JSON. Through arrays (`resources.ARN`,
 * `requestParameters.containerDefinitions.command`) a path has several values: it is a list.
 * Lists and casts are spelt as Trino spells them (`ARRAY[…]`, `CAST(… AS …)`), which DuckDB reads
 * too, so that the compiled rules parse with Trino's grammar (test/unit/trino-sql.test.ts).
 */
import { type Field, type FieldType, RECORD_FIELDS } from '../schema/event-schema.js';
import { jsonPath } from './metric-filter/pattern-sql.js';

/**
 * A VARCHAR expression; a VARCHAR[] expression when the path can cross arrays; or a map value,
 * a VARCHAR that may hold a JSON array (`elements` lists it with its elements, to be used only
 * when `sql` starts with `[`, so that the common plain value costs no list).
 */
export type FieldValue =
  | { readonly kind: 'scalar'; readonly sql: string }
  | { readonly kind: 'list'; readonly sql: string }
  | { readonly kind: 'mapValue'; readonly sql: string; readonly elements: string };

/** Makes a bound parameter holding `value` and returns its `${name}` reference. */
export type BindParameter = (value: string) => string;

const col = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function fieldNamed(fields: readonly Field[], name: string): Field | undefined {
  return (
    fields.find((f) => f.name === name) ??
    fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
  );
}

/**
 * The JSON at `keys` inside `document` (the record's JSON, or a map value holding JSON text).
 * One key of the record: a scalar. Otherwise a list of the values at that path where no array
 * is crossed, or where one array is crossed at any one step (`a[*].b.c`, `a.b[*].c`, `a.b.c[*]`)
 * — the shapes CloudTrail's request parameters take — so `tags: prod` matches ["dev","prod"].
 */
function jsonValue(
  keys: readonly string[],
  bind: BindParameter,
  document = '"eventJson"',
): FieldValue {
  const record = document === '"eventJson"';
  // A map value may be plain text, not JSON: reading a path in it is then no value.
  const extract = (path: string): string =>
    record
      ? `json_extract_string(${document}, ${bind(path)})`
      : `TRY(json_extract_string(${document}, ${bind(path)}))`;
  const steps = keys.map((key) => ({ key }));
  const exact = extract(jsonPath(steps));
  if (keys.length === 1 && record) return { kind: 'scalar', sql: exact };
  const variants = keys.map(
    (_, i) => jsonPath(steps.slice(0, i + 1)) + '[*]' + jsonPath(steps.slice(i + 1)).slice(1),
  );
  if (!record) variants.push('$[*]' + jsonPath(steps).slice(1));
  const throughArrays = variants.map((path) => `coalesce(${extract(path)}, ARRAY[])`);
  return {
    kind: 'list',
    sql: `list_filter(flatten(ARRAY[ARRAY[${exact}], ${throughArrays.join(', ')}]), v -> v IS NOT NULL)`,
  };
}

/**
 * A whole map column as JSON-like text (`{"key":"value","nested":{…}}`) for `contains` on the
 * object: rebuilt from the map, whose nested values are JSON text already, so that the large
 * `eventJson` column is not read for it.
 */
function mapText(map: string): FieldValue {
  return {
    kind: 'scalar',
    sql: `CASE WHEN ${map} IS NOT NULL THEN '{' || array_to_string(list_transform(map_entries(${map}), e -> CAST(to_json(e.key) AS VARCHAR) || ':' || CASE WHEN e.value IS NULL THEN 'null' WHEN starts_with(e.value, '{') OR starts_with(e.value, '[') THEN e.value ELSE CAST(to_json(e.value) AS VARCHAR) END), ',') || '}' END`,
  };
}

/**
 * A map's value: the text Lake keeps (nested values as JSON text), and when that is a JSON
 * array, its elements too — as Sigma matches a list field when any element matches.
 */
function mapValue(value: string): FieldValue {
  return {
    kind: 'mapValue',
    sql: value,
    elements: `list_concat(ARRAY[${value}], coalesce(TRY(json_extract_string(${value}, '$[*]')), ARRAY[]))`,
  };
}

/** `path` is dotted text (`userIdentity.arn`, as Sigma names fields) or the keys themselves. */
export function fieldValue(path: string | readonly string[], bind: BindParameter): FieldValue {
  const keys = typeof path === 'string' ? path.split('.') : path;
  if (keys.length === 0 || keys.some((key) => key === '')) {
    throw new RangeError(`the field "${keys.join('.')}" has an empty key`);
  }
  let fields: readonly Field[] = RECORD_FIELDS;
  let sql = '';
  for (let i = 0; i < keys.length; i++) {
    const field = fieldNamed(fields, keys[i] as string);
    if (field === undefined) break;
    sql = sql === '' ? col(field.name) : `${sql}.${col(field.name)}`;
    const type: FieldType = field.type;
    const last = i === keys.length - 1;
    switch (type.kind) {
      case 'string':
        if (last) return { kind: 'scalar', sql };
        return jsonValue(keys, bind);
      case 'boolean':
        if (last) return { kind: 'scalar', sql: `CAST(${sql} AS VARCHAR)` };
        return jsonValue(keys, bind);
      case 'struct':
        if (last) return jsonValue(keys, bind);
        fields = type.fields;
        continue;
      case 'map':
        if (last) return mapText(sql);
        if (i === keys.length - 2) {
          return mapValue(`map_extract_value(${sql}, ${bind(keys[i + 1] as string)})`);
        }
        return jsonValue(
          keys.slice(i + 2),
          bind,
          `map_extract_value(${sql}, ${bind(keys[i + 1] as string)})`,
        );
      case 'timestamp':
      case 'list':
        return jsonValue(keys, bind);
      default:
        return type satisfies never;
    }
  }
  return jsonValue(keys, bind);
}

/**
 * The column (or map value) holding a field's text, for the metric filter compiler: a string
 * column, a boolean column as `true`/`false`, or a map's top-level key; undefined otherwise.
 */
export function stringColumn(keys: readonly string[], bind: BindParameter): string | undefined {
  const [first, second, ...rest] = keys;
  const top = first === undefined ? undefined : fieldNamed(RECORD_FIELDS, first);
  if (top?.type.kind === 'map' && second !== undefined && rest.length === 0) {
    return `map_extract_value(${col(top.name)}, ${bind(second)})`;
  }
  const probe = fieldValue(keys, () => "''");
  if (probe.kind !== 'scalar' || probe.sql.includes('"eventJson"')) return undefined;
  return fieldValue(keys, bind).sql;
}
