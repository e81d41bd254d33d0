/**
 * Derives, from the event schema, the SQL the ingest workers run: one `json_transform` per record
 * (DuckDB parses the record once, in C++) followed by a projection that folds alternative key
 * spellings together and coerces strings into booleans and timestamps.
 *
 * json_transform matches keys case-sensitively, so each spelling of a key gets its own slot in
 * the transform structure and the projection picks the first one present by position
 * (`struct_extract_at`): DuckDB's by-name struct access is case-insensitive and could not tell
 * `principalId` from `principalid`.
 */
import {
  ADDED_COLUMNS,
  type Field,
  type FieldType,
  PARTITION_COLUMN,
  RECORD_FIELDS,
  spellings,
} from './event-schema.js';

/** A JSON value describing the shape json_transform should extract. */
type TransformSpec = string | TransformSpec[] | { [key: string]: TransformSpec };

function specOf(type: FieldType): TransformSpec {
  switch (type.kind) {
    case 'string':
    case 'boolean':
    case 'timestamp':
      // Booleans and timestamps arrive as VARCHAR and are coerced leniently in the projection:
      // real files carry "True" and half a dozen timestamp forms that a strict transform rejects.
      return 'VARCHAR';
    case 'map':
      return 'MAP(VARCHAR, VARCHAR)';
    case 'struct':
      return structSpec(type.fields);
    case 'list':
      return [specOf(type.element)];
    default:
      return type satisfies never;
  }
}

function structSpec(fields: readonly Field[]): TransformSpec {
  const spec: Record<string, TransformSpec> = {};
  for (const field of fields) {
    for (const spelling of spellings(field)) spec[spelling] = specOf(field.type);
  }
  return spec;
}

/** 1-based positions of each field's spellings in the struct produced by `structSpec`. */
function slotPositions(fields: readonly Field[]): number[][] {
  let next = 1;
  return fields.map((field) => spellings(field).map(() => next++));
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** SQL that turns the transformed value `expr` of `type` into the column value. */
function project(expr: string, type: FieldType, depth: number): string {
  switch (type.kind) {
    case 'string':
    case 'map':
      return expr;
    case 'boolean':
      return `ct_bool(${expr})`;
    case 'timestamp':
      return `ct_time(${expr})`;
    case 'struct':
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${projectFields(expr, type.fields, depth)}) END`;
    case 'list': {
      const item = `x${depth}`;
      return `list_transform(${expr}, lambda ${item}: ${project(item, type.element, depth + 1)})`;
    }
    default:
      return type satisfies never;
  }
}

function projectFields(expr: string, fields: readonly Field[], depth: number): string {
  const positions = slotPositions(fields);
  return fields
    .map((field, i) => `${quoteIdent(field.name)} := ${firstPresent(expr, field, positions[i] ?? [], depth)}`)
    .join(', ');
}

function firstPresent(expr: string, field: Field, positions: number[], depth: number): string {
  const candidates = positions.map((p) => project(`struct_extract_at(${expr}, ${p})`, field.type, depth + 1));
  return candidates.length === 1 ? (candidates[0] ?? 'NULL') : `coalesce(${candidates.join(', ')})`;
}

/** The structure argument of json_transform for a whole record. */
export function recordTransformSpec(): string {
  return JSON.stringify(structSpec(RECORD_FIELDS));
}

/**
 * Macros the projection uses. Timestamps: DuckDB's TIMESTAMPTZ cast reads ISO-8601 with `T` or
 * space, `Z` or `+0000`, and up to 9 fractional digits; the compact `20131102T010628Z` form of
 * older `creationDate` values needs strptime. Anything else ("redacted") becomes NULL; the
 * original text stays in eventJson. The session time zone must be UTC.
 */
export const PROJECTION_MACROS = [
  `CREATE OR REPLACE TEMP MACRO ct_bool(s) AS CASE lower(s) WHEN 'true' THEN true WHEN 'false' THEN false END`,
  `CREATE OR REPLACE TEMP MACRO ct_time(s) AS coalesce(try_cast(s AS TIMESTAMPTZ)::TIMESTAMP, try_strptime(s, '%Y%m%dT%H%M%SZ'))`,
];

/** The SELECT list producing every record column from the transformed record `r`. */
export function recordProjection(r: string): string {
  const positions = slotPositions(RECORD_FIELDS);
  return RECORD_FIELDS.map(
    (field, i) => `${firstPresent(r, field, positions[i] ?? [], 0)} AS ${quoteIdent(field.name)}`,
  ).join(',\n  ');
}

/** The DuckDB type of a field, e.g. for DDL and for documentation. */
export function sqlType(type: FieldType): string {
  switch (type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'map':
      return 'MAP(VARCHAR, VARCHAR)';
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${sqlType(f.type)}`).join(', ')})`;
    case 'list':
      return `${sqlType(type.element)}[]`;
    default:
      return type satisfies never;
  }
}

/** Every column of the event table with its DuckDB type, in order (partition column excluded). */
export function eventTableColumns(): { name: string; sqlType: string }[] {
  return [
    ...RECORD_FIELDS.map((field) => ({ name: field.name, sqlType: sqlType(field.type) })),
    ...ADDED_COLUMNS.map(({ name, sqlType }) => ({ name, sqlType })),
  ];
}

export { PARTITION_COLUMN };
