/**
 * Derives, from the event schema, the SQL the ingest workers run: one `json_transform` per record
 * (DuckDB parses the record once, in C++) into the final column types, plus the little projection
 * a few fields need.
 *
 * json_transform matches keys case-sensitively and its output struct is used as-is wherever the
 * schema allows, because rebuilding structs in SQL costs more than parsing the JSON. Two things
 * need more:
 * - Alternative spellings listed in the schema (`ARN` and `arn` in `resources`) get a slot each
 *   and are folded by position (`struct_extract_at`): by-name struct access in DuckDB is
 *   case-insensitive and could not tell them apart.
 * - Some exporters lower-case every key of `userIdentity`. Such a record leaves `principalId`
 *   empty for an identity type that always has one; only those rows take a second transform with
 *   lower-case keys, merged field by field under the canonical result.
 */
import { quotedIdentifier, quotedString } from '../duckdb/sql-text.js';
import {
  ADDED_COLUMNS,
  type Field,
  type FieldType,
  PARTITION_COLUMN,
  RECORD_FIELDS,
} from './event-schema.js';

/** A JSON value describing the shape json_transform should extract. */
type TransformSpec = string | TransformSpec[] | { [key: string]: TransformSpec };

type KeyStyle = 'canonical' | 'lower';

function spellingsOf(field: Field, style: KeyStyle): string[] {
  if (style === 'lower') return [field.name.toLowerCase()];
  return [field.name, ...(field.aliases ?? [])];
}

function specOf(type: FieldType, style: KeyStyle): TransformSpec {
  switch (type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      // Lenient: also reads the "True"/"false" strings some producers write.
      return 'BOOLEAN';
    case 'timestamp':
      // TIMESTAMPTZ reads `Z`, `+0000` and `+05:00` offsets and up to 9 fraction digits; the
      // projection then turns it into a UTC TIMESTAMP. Unparseable text ("redacted") → NULL.
      return 'TIMESTAMPTZ';
    case 'map':
      return 'MAP(VARCHAR, VARCHAR)';
    case 'struct':
      return structSpec(type.fields, style);
    case 'list':
      return [specOf(type.element, style)];
    default:
      return type satisfies never;
  }
}

function structSpec(fields: readonly Field[], style: KeyStyle): TransformSpec {
  const spec: Record<string, TransformSpec> = {};
  for (const field of fields) {
    for (const spelling of spellingsOf(field, style)) spec[spelling] = specOf(field.type, style);
  }
  return spec;
}

/** 1-based positions of each field's canonical spellings in the struct `structSpec` produces. */
function slotPositions(fields: readonly Field[]): number[][] {
  let next = 1;
  return fields.map((field) => spellingsOf(field, 'canonical').map(() => next++));
}

function hasAliases(type: FieldType): boolean {
  switch (type.kind) {
    case 'struct':
      return type.fields.some((f) => (f.aliases?.length ?? 0) > 0 || hasAliases(f.type));
    case 'list':
      return hasAliases(type.element);
    default:
      return false;
  }
}

function hasTimestamps(type: FieldType): boolean {
  switch (type.kind) {
    case 'timestamp':
      return true;
    case 'struct':
      return type.fields.some((f) => hasTimestamps(f.type));
    case 'list':
      return hasTimestamps(type.element);
    default:
      return false;
  }
}

/** SQL turning the transformed value `expr` of `type` into the column value. */
function project(expr: string, type: FieldType, depth: number): string {
  if (!hasAliases(type)) {
    return hasTimestamps(type) ? `CAST(${expr} AS ${sqlType(type)})` : expr;
  }
  switch (type.kind) {
    case 'struct': {
      const positions = slotPositions(type.fields);
      const fields = type.fields.map((field, i) => {
        const candidates = (positions[i] ?? []).map((p) =>
          project(`struct_extract_at(${expr}, ${p})`, field.type, depth + 1),
        );
        const value =
          candidates.length === 1
            ? (candidates[0] ?? 'NULL')
            : `coalesce(${candidates.join(', ')})`;
        return `${quotedIdentifier(field.name)} := ${value}`;
      });
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    case 'list': {
      const item = `x${depth}`;
      return `list_transform(${expr}, lambda ${item}: ${project(item, type.element, depth + 1)})`;
    }
    default:
      return expr;
  }
}

/** Field-by-field merge of two values of a struct type: `preferred` first, then `fallback`. */
function merge(preferred: string, fallback: string, type: FieldType): string {
  if (type.kind !== 'struct') return `coalesce(${preferred}, ${fallback})`;
  const fields = type.fields.map(
    (f) =>
      `${quotedIdentifier(f.name)} := ${merge(`struct_extract(${preferred}, ${quotedString(f.name)})`, `struct_extract(${fallback}, ${quotedString(f.name)})`, f.type)}`,
  );
  return `CASE WHEN ${preferred} IS NULL AND ${fallback} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
}

/** Identity types that always carry a principalId in CloudTrail's own output. */
const TYPES_WITH_PRINCIPAL_ID = [
  'IAMUser',
  'AssumedRole',
  'Root',
  'FederatedUser',
  'AWSAccount',
  'SAMLUser',
  'WebIdentityUser',
];

/** The structure argument of json_transform for a whole record. */
export function recordTransformSpec(): string {
  return JSON.stringify(structSpec(RECORD_FIELDS, 'canonical'));
}

/**
 * The record columns in two SELECT layers. `inner` reads the transformed record `r` (and the
 * record text `json`); `outer` reads the inner layer's columns. The split keeps the lower-case
 * `userIdentity` fallback cheap: its condition is tested on the raw transform result, its second
 * transform runs only for the rows that need it, and the merge reads computed columns instead of
 * repeating the cast in every field.
 */
export function recordProjection(r: string, json: string): { inner: string[]; outer: string[] } {
  const positions = slotPositions(RECORD_FIELDS);
  const inner: string[] = [];
  const outer: string[] = [];
  RECORD_FIELDS.forEach((field, i) => {
    const slots = positions[i] ?? [];
    const candidates = slots.map((p) => project(`struct_extract_at(${r}, ${p})`, field.type, 0));
    const value =
      candidates.length === 1 ? (candidates[0] ?? 'NULL') : `coalesce(${candidates.join(', ')})`;
    const name = quotedIdentifier(field.name);
    if (field.name !== 'userIdentity' || field.type.kind !== 'struct') {
      inner.push(`${value} AS ${name}`);
      outer.push(name);
      return;
    }
    const raw = `struct_extract_at(${r}, ${slots[0] ?? 0})`;
    const fieldPosition = (n: string): number =>
      field.type.kind === 'struct' ? field.type.fields.findIndex((f) => f.name === n) + 1 : 0;
    const suspicious = `struct_extract_at(${raw}, ${fieldPosition('principalId')}) IS NULL AND struct_extract_at(${raw}, ${fieldPosition('type')}) IN (${TYPES_WITH_PRINCIPAL_ID.map(quotedString).join(', ')})`;
    const lowerSpec = quotedString(JSON.stringify({ userIdentity: specOf(field.type, 'lower') }));
    inner.push(`${value} AS "__ui"`);
    inner.push(
      `CASE WHEN ${suspicious} THEN CAST(struct_extract_at(json_transform(${json}, ${lowerSpec}), 1) AS ${sqlType(field.type)}) END AS "__ui_lower"`,
    );
    outer.push(
      `CASE WHEN "__ui_lower" IS NULL THEN "__ui" ELSE ${merge('"__ui"', '"__ui_lower"', field.type)} END AS ${name}`,
    );
  });
  return { inner, outer };
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
      return `STRUCT(${type.fields.map((f) => `${quotedIdentifier(f.name)} ${sqlType(f.type)}`).join(', ')})`;
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

/** The event table as DDL, one column per line: documentation, and checked against README. */
export function eventTableDdl(): string {
  const lines = eventTableColumns().map((c) => `  ${quotedIdentifier(c.name)} ${c.sqlType}`);
  return `CREATE TABLE cloudtrail (\n${lines.join(',\n')}\n)`;
}
