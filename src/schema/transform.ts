/**
 * Derives, from the event schema, the SQL the ingest workers run: one `json_transform` per record
 * (DuckDB parses the record once, in C++) into the final column types, plus the projection around
 * it.
 *
 * json_transform matches keys case-sensitively and its output struct is used as-is wherever the
 * schema allows, because rebuilding structs in SQL costs more than parsing the JSON. What needs
 * more:
 * - Alternative spellings listed in the schema (`ARN` and `arn` in `resources`) get a slot each
 *   and are folded by position (`struct_extract_at`): by-name struct access in DuckDB is
 *   case-insensitive and could not tell them apart. The first spelling present wins.
 * - Lower-cased keys. Athena and some exports lower-case every key of a record (`eventtime`,
 *   `useridentity`, …); others only the top level, or only the interior of `userIdentity`.
 *   Reading every key in both spellings would double the hot path's transform, so a record takes
 *   a second, fallback transform only when the first one's result shows a key it could not read:
 *   no `eventTime` (missing, lower-cased or in a form the fast parse refuses), no `principalId`
 *   for an identity type that always has one, or session `attributes` without `creationDate`.
 *   The fallback reads every key as spelt, aliased or lower-cased, canonical spelling first, at
 *   every level, so its result is a superset of the first one: those rows take every column from
 *   it, the others exactly the hot path's value. It transforms one object level at a time
 *   (`fallbackValue`), which keeps its struct types small: DuckDB sets up vectors for every
 *   field of every struct a statement can produce, in every statement, fallback rows or not.
 * - Timestamps. The hot path lets json_transform read TIMESTAMPTZ (ISO 8601 extended form, `T` or
 *   space, `Z`, `+0000` or `+05:00`, up to 9 fraction digits, no offset meaning UTC). The
 *   fallback reads the text and also accepts lower-case `t`/`z`, the basic form older CloudTrail
 *   wrote in `creationDate` (`20131102T010628Z`, up to 6 fraction digits) and epoch numbers or
 *   strings (up to 11 integer digits are seconds, 12–15 milliseconds, fractions allowed).
 *   Anything else ("redacted") is NULL. Either way the column is a UTC TIMESTAMP.
 * - Duplicate keys in one JSON object: the first one wins, everywhere. That is DuckDB's rule for
 *   json_transform's structs and for json_extract on `eventJson`, which users run in their own
 *   queries, so it is the only rule every column and query can agree on. json_transform keeps
 *   every entry of a MAP, so maps are checked for a repeated key (cheap) and only such rows are
 *   rebuilt with each key's first entry; Trino and Athena reject Parquet maps with duplicate keys.
 */
import { quotedIdentifier, quotedString } from '../duckdb/sql-text.js';
import {
  ADDED_COLUMNS,
  EVENT_TABLE_NAME,
  type Field,
  type FieldType,
  PARTITION_COLUMN,
  RECORD_FIELDS,
} from './event-schema.js';

/** A JSON value describing the shape json_transform should extract. */
type TransformSpec = string | TransformSpec[] | { [key: string]: TransformSpec };

/**
 * Which keys a transform reads: `canonical`, the schema's names and aliases (the hot path);
 * `both`, those and their lower-cased forms (the fallback).
 */
type KeyStyle = 'canonical' | 'both';

function spellingsOf(field: Field, style: KeyStyle): string[] {
  const canonical = [field.name, ...(field.aliases ?? [])];
  if (style === 'canonical') return canonical;
  return [...new Set([...canonical, ...canonical.map((s) => s.toLowerCase())])];
}

function specOf(type: FieldType, style: KeyStyle): TransformSpec {
  switch (type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      // Lenient: also reads the "True"/"false" strings some producers write.
      return 'BOOLEAN';
    case 'timestamp':
      // TIMESTAMPTZ: json_transform parses the usual forms in C++; unparseable text → NULL, which
      // sends the record to the fallback, where `parsedTimestamp` tries the other forms.
      return style === 'canonical' ? 'TIMESTAMPTZ' : 'VARCHAR';
    case 'map':
      return 'MAP(VARCHAR, VARCHAR)';
    case 'struct':
      // The fallback reads one object level per transform (`fallbackValue`): below the level it
      // reads, an object stays JSON text.
      return style === 'canonical' ? structSpec(type.fields, style) : 'JSON';
    case 'list':
      return style === 'canonical' ? [specOf(type.element, style)] : 'JSON';
    default:
      return type satisfies never;
  }
}

function structSpec(fields: readonly Field[], style: KeyStyle): TransformSpec {
  const spec: Record<string, TransformSpec> = {};
  for (const field of fields) {
    for (const spelling of spellingsOf(field, style)) {
      // A spelling shared by two fields would shift every slot position after it.
      if (spelling in spec) throw new Error(`schema: key ${spelling} is spelt by two fields`);
      spec[spelling] = specOf(field.type, style);
    }
  }
  return spec;
}

/** 1-based positions of each field's spellings in the struct `structSpec` produces. */
function slotPositions(fields: readonly Field[], style: KeyStyle): number[][] {
  let next = 1;
  return fields.map((field) => spellingsOf(field, style).map(() => next++));
}

/** A field's value from its slots: the first spelling present wins. */
function firstPresent(candidates: readonly string[]): string {
  return candidates.length === 1 ? (candidates[0] ?? 'NULL') : `coalesce(${candidates.join(', ')})`;
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

function contains(type: FieldType, kind: 'timestamp' | 'map'): boolean {
  switch (type.kind) {
    case 'struct':
      return type.fields.some((f) => contains(f.type, kind));
    case 'list':
      return contains(type.element, kind);
    default:
      return type.kind === kind;
  }
}

/** Rebuilds a struct (or each struct of a list) to fold its fields' spellings by position. */
function rebuild(expr: string, type: FieldType, depth: number): string {
  switch (type.kind) {
    case 'struct': {
      const positions = slotPositions(type.fields, 'canonical');
      const fields = type.fields.map((field, i) => {
        const slots = (positions[i] ?? []).map((p) => `struct_extract_at(${expr}, ${p})`);
        return `${quotedIdentifier(field.name)} := ${project(firstPresent(slots), field.type, depth + 1)}`;
      });
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    case 'list': {
      const item = `x${depth}`;
      return `list_transform(${expr}, lambda ${item}: ${project(item, type.element, depth + 1)})`;
    }
    default:
      return project(expr, type, depth);
  }
}

/**
 * The map `m` with only the first entry of each key. Nearly every map has unique keys: for those
 * the test is all it costs (a CASE evaluates a branch only on the rows it selects).
 */
function firstEntryPerKey(m: string, depth: number): string {
  const [map, e, i] = [`m${depth}`, `e${depth}`, `i${depth}`];
  // The outer lambda binds the map once: `m` may be a long expression.
  const firsts = `list_filter(map_entries(${map}), lambda ${e}, ${i}: list_position(map_keys(${map}), ${e}.key) = ${i})`;
  return `CASE WHEN cardinality(${m}) > list_unique(map_keys(${m})) THEN list_transform([${m}], lambda ${map}: map_from_entries(${firsts}))[1] ELSE ${m} END`;
}

/** SQL true when some map inside the canonical transform value `expr` of `type` repeats a key. */
function repeatsKey(expr: string, type: FieldType, depth: number): string {
  switch (type.kind) {
    case 'map':
      return `cardinality(${expr}) > list_unique(map_keys(${expr}))`;
    case 'struct': {
      const positions = slotPositions(type.fields, 'canonical');
      const tests = type.fields.flatMap((field, i) => {
        if (!contains(field.type, 'map')) return [];
        const slots = (positions[i] ?? []).map((p) => `struct_extract_at(${expr}, ${p})`);
        return [repeatsKey(firstPresent(slots), field.type, depth + 1)];
      });
      return tests.length === 0 ? 'false' : `(${tests.join(' OR ')})`;
    }
    case 'list': {
      const item = `x${depth}`;
      return `list_bool_or(list_transform(${expr}, lambda ${item}: ${repeatsKey(item, type.element, depth + 1)}))`;
    }
    default:
      return 'false';
  }
}

/** Strptime formats of the ISO 8601 basic form (after upper-casing). */
const BASIC_FORMATS = [
  '%Y%m%dT%H%M%SZ',
  '%Y%m%dT%H%M%S.%fZ',
  '%Y%m%dT%H%M%S%z',
  '%Y%m%dT%H%M%S.%f%z',
];

/**
 * The UTC TIMESTAMP in the text `v`, tried in turn: the TIMESTAMPTZ cast (the hot path's parse),
 * the same upper-cased (`t`, `z`), the basic form, then epoch seconds or milliseconds. The session
 * time zone is UTC (worker setup), so the TIMESTAMPTZ → TIMESTAMP cast keeps the UTC instant.
 */
function parsedTimestamp(v: string): string {
  const upper = `upper(${v})`;
  const zoned = `coalesce(TRY_CAST(${v} AS TIMESTAMPTZ), TRY_CAST(${upper} AS TIMESTAMPTZ), try_strptime(${upper}, [${BASIC_FORMATS.map(quotedString).join(', ')}]))`;
  // 15 digits of milliseconds keep the microseconds within BIGINT, so the cast cannot fail.
  const epoch = (digits: string, microsPerUnit: number): string =>
    `WHEN regexp_full_match(${v}, '\\d{${digits}}(\\.\\d+)?') THEN make_timestamp(CAST(CAST(${v} AS DECIMAL(38, 9)) * ${microsPerUnit} AS BIGINT))`;
  return `coalesce(CAST(${zoned} AS TIMESTAMP), CASE ${epoch('1,11', 1_000_000)} ${epoch('12,15', 1000)} END)`;
}

/**
 * The hot path's projection of a canonical transform value: the value itself wherever the type
 * allows, a cast for timestamps, a struct rebuilt only to fold aliases and, on the rows that have
 * one, a repeated map key dropped.
 */
function project(expr: string, type: FieldType, depth: number): string {
  if (type.kind === 'map') return firstEntryPerKey(expr, depth);
  if (hasAliases(type)) return rebuild(expr, type, depth);
  const cast = (v: string): string =>
    contains(type, 'timestamp') ? `CAST(${v} AS ${sqlType(type)})` : v;
  if (!contains(type, 'map')) return cast(expr);
  return `CASE WHEN ${repeatsKey(expr, type, depth)} THEN ${cast(withFirstEntries(expr, type, depth))} ELSE ${cast(expr)} END`;
}

/**
 * The canonical transform value `expr` of `type`, a type without aliases (field i is slot i), with
 * every map in it keeping only each key's first entry.
 */
function withFirstEntries(expr: string, type: FieldType, depth: number): string {
  switch (type.kind) {
    case 'map':
      return firstEntryPerKey(expr, depth);
    case 'struct': {
      // struct_update replaces the fields holding maps and keeps the rest as they are.
      const updates = type.fields.flatMap((f, i) =>
        contains(f.type, 'map')
          ? [
              `${quotedIdentifier(f.name)} := ${withFirstEntries(`struct_extract_at(${expr}, ${i + 1})`, f.type, depth + 1)}`,
            ]
          : [],
      );
      return updates.length === 0 ? expr : `struct_update(${expr}, ${updates.join(', ')})`;
    }
    case 'list': {
      const item = `x${depth}`;
      return `list_transform(${expr}, lambda ${item}: ${withFirstEntries(item, type.element, depth + 1)})`;
    }
    default:
      return expr;
  }
}

/**
 * The column value of a value the fallback transform read for `type`: text for a timestamp, JSON
 * text for an object or a list, which is transformed here, one level at a time. Nesting every
 * level's spellings in one transform would double the struct at each level, and DuckDB sets up
 * vectors for the whole struct in every statement, whether or not a row needs the fallback.
 */
function fallbackValue(expr: string, type: FieldType, depth: number): string {
  switch (type.kind) {
    case 'string':
    case 'boolean':
      return expr;
    case 'timestamp':
      return parsedTimestamp(expr);
    case 'map':
      return firstEntryPerKey(expr, depth);
    case 'struct': {
      // The lambda binds the level's transform once for all its fields.
      const level = `s${depth}`;
      const transform = `json_transform(${expr}, ${quotedString(JSON.stringify(structSpec(type.fields, 'both')))})`;
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE list_transform([${transform}], lambda ${level}: ${fallbackLevel(level, type.fields, depth)})[1] END`;
    }
    case 'list': {
      const item = `x${depth}`;
      const { element } = type;
      const elementSpec =
        element.kind === 'struct' ? structSpec(element.fields, 'both') : specOf(element, 'both');
      const value =
        element.kind === 'struct'
          ? `CASE WHEN ${item} IS NULL THEN NULL ELSE ${fallbackLevel(item, element.fields, depth)} END`
          : fallbackValue(item, element, depth + 1);
      return `list_transform(json_transform(${expr}, ${quotedString(JSON.stringify([elementSpec]))}), lambda ${item}: ${value})`;
    }
    default:
      return type satisfies never;
  }
}

/** The struct of `fields` from `level`, one object level the fallback transformed. */
function fallbackLevel(level: string, fields: readonly Field[], depth: number): string {
  const positions = slotPositions(fields, 'both');
  const values = fields.map((field, i) => {
    const slots = (positions[i] ?? []).map((p) => `struct_extract_at(${level}, ${p})`);
    return `${quotedIdentifier(field.name)} := ${fallbackValue(firstPresent(slots), field.type, depth + 1)}`;
  });
  return `struct_pack(${values.join(', ')})`;
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

/** The canonical slot of the field at `path` (field names from the record down) in `r`. */
function canonicalSlot(r: string, path: readonly string[]): string {
  let expr = r;
  let fields: readonly Field[] = RECORD_FIELDS;
  for (const name of path) {
    const index = fields.findIndex((f) => f.name === name);
    const field = fields[index];
    const position = slotPositions(fields, 'canonical')[index]?.[0];
    if (field === undefined || position === undefined) throw new Error(`schema: no field ${name}`);
    expr = `struct_extract_at(${expr}, ${position})`;
    fields = field.type.kind === 'struct' ? field.type.fields : [];
  }
  return expr;
}

/** SQL true when the canonical transform `r` of a record shows a key it could not read. */
function needsFallback(r: string): string {
  const slot = (...path: string[]): string => canonicalSlot(r, path);
  const attributes = slot('userIdentity', 'sessionContext', 'attributes');
  return [
    `${slot('eventTime')} IS NULL`,
    `(${slot('userIdentity', 'principalId')} IS NULL AND ${slot('userIdentity', 'type')} IN (${TYPES_WITH_PRINCIPAL_ID.map(quotedString).join(', ')}))`,
    `(${attributes} IS NOT NULL AND ${slot('userIdentity', 'sessionContext', 'attributes', 'creationDate')} IS NULL)`,
  ].join(' OR ');
}

/** The structure argument of json_transform for a whole record. */
export function recordTransformSpec(): string {
  return JSON.stringify(structSpec(RECORD_FIELDS, 'canonical'));
}

const CANONICAL = quotedIdentifier('__r');
const FALLBACK = quotedIdentifier('__fallback');

/**
 * The record columns in two SELECT layers. `inner` reads the transformed record `r` (and the
 * record text `json`) and runs the fallback transform, only on the rows that need it; `outer`
 * reads the inner layer's columns and takes each column from the fallback where there is one.
 * The inner layer has no column named after a record field, so a later reference to one in the
 * outer SELECT (the partition day reads `eventTime`) is the outer layer's final value.
 */
export function recordProjection(r: string, json: string): { inner: string[]; outer: string[] } {
  const fallbackSpec = quotedString(JSON.stringify(structSpec(RECORD_FIELDS, 'both')));
  const inner = [
    `${r} AS ${CANONICAL}`,
    // The CASE picks the text, not the transform's result: a NULL text is not parsed, and the
    // struct the transform returns is not carried through a CASE.
    `json_transform(CASE WHEN ${needsFallback(r)} THEN ${json} END, ${fallbackSpec}) AS ${FALLBACK}`,
  ];
  const canonical = slotPositions(RECORD_FIELDS, 'canonical');
  const both = slotPositions(RECORD_FIELDS, 'both');
  const outer = RECORD_FIELDS.map((field, i) => {
    const slots = (positions: readonly number[][], of: string): string =>
      firstPresent((positions[i] ?? []).map((p) => `struct_extract_at(${of}, ${p})`));
    const [hot, fallback] = [slots(canonical, CANONICAL), slots(both, FALLBACK)];
    const name = quotedIdentifier(field.name);
    const { kind } = field.type;
    if (kind === 'string' || kind === 'boolean' || kind === 'map') {
      // Both transforms read these as the same type: choosing first projects (a map's
      // duplicate-key check) once.
      return `${project(`CASE WHEN ${FALLBACK} IS NULL THEN ${hot} ELSE ${fallback} END`, field.type, 0)} AS ${name}`;
    }
    return `CASE WHEN ${FALLBACK} IS NULL THEN ${project(hot, field.type, 0)} ELSE ${fallbackValue(fallback, field.type, 0)} END AS ${name}`;
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
  return `CREATE TABLE ${EVENT_TABLE_NAME} (\n${lines.join(',\n')}\n)`;
}
