/**
 * The statements a worker runs to turn its scratch file into Lake-schema Parquet parts. Paths in
 * here are ctlake's own scratch and staging paths, quoted as literals; nothing user-supplied is
 * spliced into this SQL.
 */
import { PARTITION_COLUMN, RECORD_FIELDS } from '../schema/event-schema.js';
import { readerPath } from '../duckdb/file-path.js';
import {
  DEFAULT_PARQUET_OPTIONS,
  type ParquetOptions,
  parquetCopyOptions,
} from '../duckdb/parquet.js';
import { quotedIdentifier, quotedString } from '../duckdb/sql-text.js';
import { UsageError } from '../errors.js';
import { recordProjection, recordTransformSpec } from '../schema/transform.js';
import { FIELD_SEPARATOR, MAX_PREFIX_BYTES } from './scratch-file.js';

/**
 * Temp table of the task's objects: `idx` is the object's position in the task (0, 1, 2, … with
 * no gaps), `uri` its URI, set to NULL once the object is rejected (its rows are then not written).
 */
export const BATCH_OBJECTS_TABLE = 'batch_objects';

/**
 * Records longer than this are refused before DuckDB sees them. CloudTrail's largest event size
 * setting is 1 MB (CloudTrail Lake's MaxEventSize `Large`; `Standard` is 256 KB). DuckDB's CSV
 * reader keeps a few buffers of twice this size, so it sets a fixed part of each worker's memory.
 */
export const MAX_RECORD_BYTES = 2 * 1024 * 1024;

/**
 * Rows a partitioned COPY gathers per day before handing them to the Parquet writer. DuckDB's
 * default (over 500k rows) holds a whole large object in memory; a few thousand rows keep the
 * worker's memory flat whatever the object size.
 */
const PARTITION_FLUSH_ROWS = 4096;

export function workerSetupStatements(memoryLimit: string, tempDir: string): string[] {
  return [
    `SET threads = 1`,
    `SET memory_limit = ${quotedString(memoryLimit)}`,
    `SET temp_directory = ${quotedString(tempDir)}`,
    // Timestamp strings without an offset are UTC in CloudTrail; the cast must not apply local time.
    `SET TimeZone = 'UTC'`,
    // Rows of a part need no particular order; not preserving it lets COPY stream instead of
    // buffering a whole batch (peak memory on batches of large objects).
    `SET preserve_insertion_order = false`,
    `SET partitioned_write_flush_threshold = ${PARTITION_FLUSH_ROWS}`,
    `CREATE OR REPLACE TEMP TABLE ${BATCH_OBJECTS_TABLE} (idx INTEGER PRIMARY KEY, uri VARCHAR)`,
  ];
}

/** A scratch file to read, and whether its records may hold line-break placeholders. */
export interface ScratchText {
  readonly path: string;
  /** Some record's line breaks were replaced by placeholders (record-scanner.ts): restore them. */
  readonly placeholders: boolean;
}

/** A scratch line: a record of up to MAX_RECORD_BYTES after its prefix. */
const MAX_LINE_BYTES = MAX_RECORD_BYTES + MAX_PREFIX_BYTES;

/**
 * The scratch file's lines as rows. When records hold placeholders, the line breaks are put back
 * (chr(2) → LF, chr(3) → CR): the record text is then its bytes exactly as read, and DuckDB's
 * JSON reader takes the line breaks as the whitespace they are.
 */
function readScratch(scratch: ScratchText): string {
  const lines = readScratchLines(scratch.path);
  if (!scratch.placeholders) return lines;
  return `(SELECT object_index, checksum, record_index,
      replace(replace(json, chr(2), chr(10)), chr(3), chr(13)) AS json
    FROM ${lines})`;
}

function readScratchLines(file: string): string {
  return `read_csv(${readerPath(file)},
      columns = {'object_index': 'INTEGER', 'checksum': 'VARCHAR', 'record_index': 'INTEGER', 'json': 'VARCHAR'},
      delim = ${quotedString(FIELD_SEPARATOR)}, quote = '', escape = '', header = false, auto_detect = false,
      new_line = '\\n', max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${2 * MAX_LINE_BYTES})`;
}

/**
 * The scratch file's lines, one row per record, with their object's URI; rows of rejected objects
 * are left out. The URI comes from a list read once and indexed by position: a join with the
 * objects table carries every record's text through a hash join, about a fifth of the COPY's time.
 */
function scratchRows(scratch: ScratchText, onlyObject?: number): string {
  const only = onlyObject === undefined ? '' : ` WHERE s.object_index = ${Math.trunc(onlyObject)}`;
  return `SELECT * FROM (
    SELECT (SELECT list(uri ORDER BY idx) FROM ${BATCH_OBJECTS_TABLE})[s.object_index + 1] AS uri,
      s.record_index, s.checksum, s.json
    FROM ${readScratch(scratch)} s${only})
  WHERE uri IS NOT NULL`;
}

/**
 * How a worker types its records. `lake` is the product: the Lake schema's typed columns and the
 * raw record (`eventJson`). The other forms exist only for the benchmark (`npm run bench --
 * --shapes`, issue 19), which measures what typing the nested fields and keeping the raw record
 * cost against DuckDB's own reader:
 * - `json-nested` keeps every nested field as JSON text, as that reader does;
 * - `no-raw` leaves `eventJson` NULL;
 * - `scalars-raw` types the scalar fields only and leaves the nested ones out: they are in the raw
 *   record, for a later rewrite (such as compaction) to type.
 * None of them writes a Lake-schema lake (the named queries and the dialect expect maps and
 * structs); their lakes are for timing only.
 */
export const ROW_FORMS = [
  'lake',
  'lake-no-raw',
  'json-nested',
  'json-nested-no-raw',
  'scalars-raw',
] as const;
export type RowForm = (typeof ROW_FORMS)[number];

/** The environment variable the benchmark sets to pick a row form for the ingest's workers. */
export const ROW_FORM_ENV = 'CTLAKE_BENCH_ROW_FORM';

/** The row form `ROW_FORM_ENV` picks; `lake` when it is not set. */
export function benchRowForm(): RowForm {
  const value = process.env[ROW_FORM_ENV];
  if (value === undefined || value === '') return 'lake';
  const form = ROW_FORMS.find((f) => f === value);
  if (form === undefined)
    throw new UsageError(`${ROW_FORM_ENV}=${value}: not a row form (${ROW_FORMS.join(', ')})`);
  return form;
}

/**
 * A top-level field's type when nested values stay JSON text, as a `read_json` with explicit
 * columns types them (the benchmark's baseline uses this too). json_transform reads times as
 * TIMESTAMPTZ to honour their offsets; the baseline, as a user would write it, as TIMESTAMP.
 */
export function jsonNestedType(
  field: (typeof RECORD_FIELDS)[number],
  timestamp: 'TIMESTAMP' | 'TIMESTAMPTZ' = 'TIMESTAMPTZ',
): string {
  switch (field.type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return timestamp;
    default:
      return 'JSON';
  }
}

/**
 * The benchmark's lighter rows: one json_transform to scalars and, with `nested`, nested fields as
 * JSON text; no fallback transform.
 */
function lighterRowsSelect(
  scratch: ScratchText,
  { raw, nested }: { raw: boolean; nested: boolean },
  onlyObject?: number,
): string {
  const fields = RECORD_FIELDS.map((f) => [f.name, jsonNestedType(f)] as const);
  const spec = JSON.stringify(
    Object.fromEntries(nested ? fields : fields.filter(([, type]) => type !== 'JSON')),
  );
  return `SELECT unnest(r), ${raw ? 'json' : 'NULL::VARCHAR'} AS "eventJson", checksum AS "eventJsonChecksum",
  uri AS "sourceObject", record_index AS "recordIndex",
  strftime(r."eventTime", '%Y-%m-%d') AS ${quotedIdentifier(PARTITION_COLUMN)}
FROM (SELECT *, json_transform(json, ${quotedString(spec)}) AS r FROM (${scratchRows(scratch, onlyObject)}))`;
}

/** SELECT producing the event rows (plus the partition column) of the scratch file. */
export function eventRowsSelect(
  scratch: ScratchText,
  onlyObject?: number,
  form: RowForm = benchRowForm(),
): string {
  if (form === 'json-nested' || form === 'json-nested-no-raw' || form === 'scalars-raw') {
    const shape = { raw: form !== 'json-nested-no-raw', nested: form !== 'scalars-raw' };
    return lighterRowsSelect(scratch, shape, onlyObject);
  }
  const { inner, outer } = recordProjection('r', 'json');
  return `SELECT ${outer.join(', ')}, "eventJson", "eventJsonChecksum", "sourceObject", "recordIndex",
  strftime("eventTime", '%Y-%m-%d') AS ${quotedIdentifier(PARTITION_COLUMN)}
FROM (
  SELECT
  ${inner.join(',\n  ')},
  ${form === 'lake' ? 'json' : 'NULL::VARCHAR'} AS "eventJson",
  checksum AS "eventJsonChecksum",
  uri AS "sourceObject",
  record_index AS "recordIndex"
  FROM (
    SELECT *, json_transform(json, ${quotedString(recordTransformSpec())}) AS r
    FROM (${scratchRows(scratch, onlyObject)})
  )
)`;
}

/**
 * COPY of `relation` (a table name or a parenthesised query) to day-partitioned parts. With
 * `intoExistingDir`, `outDir` may already hold parts (of another prefix) from an earlier COPY.
 */
export function copyRelationToParts(
  relation: string,
  outDir: string,
  partPrefix: string,
  options: ParquetOptions = DEFAULT_PARQUET_OPTIONS,
  intoExistingDir = false,
): string {
  return `COPY ${relation} TO ${quotedString(outDir)} (
  ${parquetCopyOptions(options)}, PARTITION_BY (${quotedIdentifier(PARTITION_COLUMN)}),
  FILENAME_PATTERN ${quotedString(`${partPrefix}-{i}`)}${intoExistingDir ? ', OVERWRITE_OR_IGNORE true' : ''})`;
}

/** The message of the error the one-day COPY raises on a row of another day. */
const OTHER_DAY_ERROR = 'ctlake: the batch has events of another day';

/**
 * COPY of the scratch file's events, all expected on `day`, into the one part file `outFile` (the
 * partition column is left out, as a partitioned COPY leaves it out: the directory carries it).
 * Every row's day is checked: the statement fails on the first row of another day.
 */
export function copyOneDayToPartStatement(
  scratch: ScratchText,
  outFile: string,
  day: string,
): string {
  const column = quotedIdentifier(PARTITION_COLUMN);
  return `COPY (SELECT * EXCLUDE (${column}) FROM (${eventRowsSelect(scratch)})
  WHERE CASE WHEN ${column} = ${quotedString(day)} THEN true ELSE error(${quotedString(OTHER_DAY_ERROR)}) END)
TO ${quotedString(outFile)} (${parquetCopyOptions(DEFAULT_PARQUET_OPTIONS)})`;
}

/** The days (partition values) the scratch file's events fall on; NULL for events without a time. */
export function distinctDaysStatement(scratch: ScratchText): string {
  return `SELECT DISTINCT ${quotedIdentifier(PARTITION_COLUMN)} AS day FROM (${eventRowsSelect(scratch)}) ORDER BY day`;
}

/** COPY of the scratch file's events on the given days only (`null` = events without a time). */
export function copyDaysToPartsStatement(
  scratch: ScratchText,
  outDir: string,
  partPrefix: string,
  days: readonly (string | null)[],
): string {
  const column = quotedIdentifier(PARTITION_COLUMN);
  const dated = days.filter((d): d is string => d !== null);
  const conditions = [
    ...(dated.length > 0 ? [`${column} IN (${dated.map(quotedString).join(', ')})`] : []),
    ...(days.includes(null) ? [`${column} IS NULL`] : []),
  ];
  return copyRelationToParts(
    `(SELECT * FROM (${eventRowsSelect(scratch)}) WHERE ${conditions.join(' OR ')})`,
    outDir,
    partPrefix,
    DEFAULT_PARQUET_OPTIONS,
    true,
  );
}

export function copyToPartsStatement(
  scratch: ScratchText,
  outDir: string,
  partPrefix: string,
  options: ParquetOptions = DEFAULT_PARQUET_OPTIONS,
): string {
  return copyRelationToParts(`(${eventRowsSelect(scratch)})`, outDir, partPrefix, options);
}

/** The first record of each object whose JSON does not parse. */
export function invalidRecordsStatement(scratch: ScratchText): string {
  return `SELECT object_index, min(record_index) AS record_index
FROM ${readScratch(scratch)}
WHERE NOT json_valid(json)
GROUP BY object_index`;
}

/** Parses one record strictly, to get DuckDB's reason for rejecting it. */
export function parseRecordStatement(
  scratch: ScratchText,
  objectIndex: number,
  recordIndex: number,
): string {
  return `SELECT json(json) FROM ${readScratch(scratch)}
WHERE object_index = ${Math.trunc(objectIndex)} AND record_index = ${Math.trunc(recordIndex)}`;
}

/** Counts one object's rows through the full projection: isolates an object DuckDB rejects. */
export function validateObjectStatement(scratch: ScratchText, objectIndex: number): string {
  return `SELECT count(*) AS n FROM (${eventRowsSelect(scratch, objectIndex)})`;
}

/** Rows per staged Parquet file, from the footers only; `files` is a `readerPaths` list. */
export function stagedPartsStatement(files: string): string {
  return `SELECT file_name, sum(row_group_num_rows)::BIGINT AS rows
FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows
      FROM parquet_metadata(${files}))
GROUP BY file_name`;
}
