/**
 * The DDL that exposes a lake to another engine, so that past one machine the same Parquet is
 * queried in place by Athena, Trino or Spark (or by a DuckDB of the user's own): the event
 * table's columns with their exact types, derived from the schema as the worker's transform is,
 * the `event_date` partition, and the name pasted Lake queries use (`cloudtrail`).
 *
 * The engines read every Parquet file under `events/`, not the part set ctlake's own queries read
 * (`parts.json`): point them at a lake at rest or at its pushed copy, where parts a compaction
 * replaced are gone.
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_LAKE_DIR } from '../defaults.js';
import { UsageError } from '../errors.js';
import { lakeLayout } from '../lake/layout.js';
import {
  ADDED_COLUMNS,
  EVENT_TABLE_NAME,
  PARTITION_COLUMN,
  RECORD_FIELDS,
} from '../schema/event-schema.js';
import type { ColumnType, EngineDialect, LakeColumn, LakeTable } from './engine-dialect.js';
import { athena } from './engines/athena.js';
import { duckdb } from './engines/duckdb.js';
import { spark } from './engines/spark.js';
import { trino } from './engines/trino.js';
import { LAKE_ENGINES, type LakeEngine } from './lake-engines.js';

export { LAKE_ENGINES, type LakeEngine };

export interface LakeDdlOptions {
  readonly engine: LakeEngine;
  /**
   * The local lake (default `ctlake-lake`), read in place by an engine on this machine (a
   * `file://` location for Trino and Spark, a path for DuckDB). Not used with `location`.
   */
  readonly lakeDir?: string;
  /**
   * Where the engine reads a copy of the lake instead: the URI of the folder holding its
   * `events/` (`s3://bucket/prefix`), as the engine addresses it (Spark may want `s3a://`).
   * Athena reads S3 only, so it needs one.
   */
  readonly location?: string;
  /** The table (a view for DuckDB), optionally qualified (`audit.cloudtrail`). */
  readonly table?: string;
}

const DIALECTS: Readonly<Record<LakeEngine, EngineDialect>> = { athena, trino, spark, duckdb };

const NAME_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/;

function addedType(sqlType: (typeof ADDED_COLUMNS)[number]['sqlType']): ColumnType {
  switch (sqlType) {
    case 'VARCHAR':
      return { kind: 'string' };
    case 'INTEGER':
      return { kind: 'integer' };
    default:
      return sqlType satisfies never;
  }
}

/** The event table's columns, partition column excluded, in the schema's order. */
export function lakeColumns(): LakeColumn[] {
  return [
    ...RECORD_FIELDS.map((field) => ({ name: field.name, type: field.type })),
    ...ADDED_COLUMNS.map((column) => ({ name: column.name, type: addedType(column.sqlType) })),
  ];
}

function tableName(engine: LakeEngine, table: string): string[] {
  const parts = table.split('.');
  // Hive's DDL (Athena) names a table in a database; the others may name the catalog too.
  const most = engine === 'athena' ? 2 : 3;
  if (parts.length > most || !parts.every((part) => NAME_PART.test(part))) {
    throw new UsageError(
      `--table ${table}: expected a name such as ${EVENT_TABLE_NAME} or audit.${EVENT_TABLE_NAME} (letters, digits and _, at most ${String(most)} parts for ${engine})`,
    );
  }
  return parts;
}

function eventsLocation(options: LakeDdlOptions): string {
  const { engine, location } = options;
  if (location === undefined) {
    if (engine === 'athena') {
      throw new UsageError(
        'athena reads S3 only: give --location s3://bucket/prefix, where the lake is copied',
      );
    }
    const { eventsDir } = lakeLayout(options.lakeDir ?? DEFAULT_LAKE_DIR);
    return engine === 'duckdb' ? eventsDir : pathToFileURL(eventsDir).href;
  }
  if (!URI.test(location)) {
    throw new UsageError(
      `--location ${location}: expected a URI such as s3://bucket/prefix (the folder holding the lake's events/)`,
    );
  }
  if (engine === 'athena' && !/^s3:\/\//i.test(location)) {
    throw new UsageError(`--location ${location}: athena reads S3 only (s3://bucket/prefix)`);
  }
  return `${location.replace(/\/+$/, '')}/events`;
}

/** The statements that create the event table over the lake in `options.engine`. */
export function lakeDdl(options: LakeDdlOptions): string {
  // The type says it is one, but a JavaScript caller's string is checked all the same.
  if (!(LAKE_ENGINES as readonly string[]).includes(options.engine)) {
    throw new UsageError(`--engine ${options.engine}: expected one of ${LAKE_ENGINES.join(', ')}`);
  }
  const table: LakeTable = {
    name: tableName(options.engine, options.table ?? EVENT_TABLE_NAME),
    columns: lakeColumns(),
    partitionColumn: PARTITION_COLUMN,
    events: eventsLocation(options),
  };
  return DIALECTS[options.engine].ddl(table);
}
