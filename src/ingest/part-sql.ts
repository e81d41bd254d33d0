/**
 * The statements a worker runs to turn scratch NDJSON into Lake-schema Parquet parts. Paths in
 * here are ctlake's own scratch and staging paths, quoted as literals; nothing user-supplied is
 * spliced into this SQL.
 */
import { PARTITION_COLUMN } from '../schema/event-schema.js';
import {
  PROJECTION_MACROS,
  quoteIdent,
  recordProjection,
  recordTransformSpec,
  sqlString,
} from '../schema/transform.js';
import { CHECKSUM_HEX_LENGTH } from './scratch-ndjson.js';

/** Table (temp) mapping a scratch file's number to the object URI its rows come from. */
export const BATCH_OBJECTS_TABLE = 'batch_objects';

export function workerSetupStatements(memoryLimit: string, tempDir: string): string[] {
  return [
    `SET threads = 1`,
    `SET memory_limit = ${sqlString(memoryLimit)}`,
    `SET temp_directory = ${sqlString(tempDir)}`,
    // Timestamp strings without an offset are UTC in CloudTrail; the cast must not apply local time.
    `SET TimeZone = 'UTC'`,
    `SET preserve_insertion_order = true`,
    ...PROJECTION_MACROS,
    `CREATE OR REPLACE TEMP TABLE ${BATCH_OBJECTS_TABLE} (idx INTEGER, uri VARCHAR)`,
  ];
}

/** SELECT producing the event rows (plus the partition column) of the scratch files `glob`. */
export function eventRowsSelect(glob: string): string {
  const jsonStart = CHECKSUM_HEX_LENGTH + 1;
  return `SELECT *, strftime("eventTime", '%Y-%m-%d') AS ${PARTITION_COLUMN}
FROM (
  SELECT
  ${recordProjection('r')},
  json AS "eventJson",
  checksum AS "eventJsonChecksum",
  uri AS "sourceObject",
  (ord - 1)::INTEGER AS "recordIndex"
  FROM (
    SELECT o.uri, u.ord,
      substr(u.line, ${jsonStart}) AS json,
      substr(u.line, 1, ${CHECKSUM_HEX_LENGTH}) AS checksum,
      json_transform(substr(u.line, ${jsonStart}), ${sqlString(recordTransformSpec())}) AS r
    FROM read_text(${sqlString(glob)}) t
    JOIN ${BATCH_OBJECTS_TABLE} o ON o.idx = parse_filename(t.filename, true)::INTEGER,
    unnest(string_split(t.content, chr(10))) WITH ORDINALITY AS u(line, ord)
  )
)`;
}

export interface ParquetOptions {
  readonly compression: 'zstd' | 'snappy' | 'lz4' | 'uncompressed';
  /** DuckDB's STRING_DICTIONARY_PAGE_SIZE_LIMIT; a small value skips dictionaries for large text. */
  readonly stringDictionaryPageSizeLimit?: number;
}

export const DEFAULT_PARQUET_OPTIONS: ParquetOptions = { compression: 'zstd' };

export function copyToPartsStatement(
  glob: string,
  outDir: string,
  partPrefix: string,
  options: ParquetOptions = DEFAULT_PARQUET_OPTIONS,
): string {
  const extra =
    options.stringDictionaryPageSizeLimit === undefined
      ? ''
      : `, STRING_DICTIONARY_PAGE_SIZE_LIMIT ${options.stringDictionaryPageSizeLimit}`;
  return `COPY (${eventRowsSelect(glob)}) TO ${sqlString(outDir)} (
  FORMAT parquet, COMPRESSION ${options.compression}, PARTITION_BY (${quoteIdent(PARTITION_COLUMN)}),
  FILENAME_PATTERN ${sqlString(`${partPrefix}-{i}`)}${extra})`;
}

/** Counts the rows of one scratch file through the full projection: used to find a bad object. */
export function validateObjectStatement(file: string): string {
  return `SELECT count(*) AS n FROM (${eventRowsSelect(file)})`;
}

/** The first line of `file` whose JSON does not parse, 0-based; NULL when all parse. */
export function firstInvalidRecordStatement(file: string): string {
  const jsonStart = CHECKSUM_HEX_LENGTH + 1;
  return `SELECT min(ord) - 1 AS bad FROM (
  SELECT u.line, u.ord FROM read_text(${sqlString(file)}) t,
  unnest(string_split(t.content, chr(10))) WITH ORDINALITY AS u(line, ord)
) WHERE NOT json_valid(substr(line, ${jsonStart}))`;
}

/** Rows per staged Parquet file, from the footers only. */
export function stagedPartsStatement(outDir: string): string {
  return `SELECT file_name, sum(row_group_num_rows)::BIGINT AS rows
FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows
      FROM parquet_metadata(${sqlString(`${outDir}/**/*.parquet`)}))
GROUP BY file_name`;
}
