/**
 * The seam between the lake and another engine. An `EngineDialect` writes the statements that
 * make one engine (Athena, Trino, Spark, DuckDB) read the lake's Parquet as the event table: its
 * identifier quoting, its spelling of the schema's types and its way of declaring the `event_date`
 * partition. Each engine implements it in its own file under `engines/`; `ddl.ts` resolves the
 * options into a `LakeTable` and picks the dialect.
 */
import type { FieldType } from '../schema/event-schema.js';

/** A column's type: the schema's field types, plus the integer of the columns ctlake adds. */
export type ColumnType = FieldType | { readonly kind: 'integer' };

export interface LakeColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** What every dialect is handed: the table to create and where its Parquet lives. */
export interface LakeTable {
  /** The table's name, one part per qualifier (`['audit', 'cloudtrail']`). */
  readonly name: readonly string[];
  /** The event table's columns in the schema's order, the partition column excluded. */
  readonly columns: readonly LakeColumn[];
  /** The Hive partition column (`event_date`, a `YYYY-MM-DD` string). */
  readonly partitionColumn: string;
  /**
   * The lake's `events/` folder as the engine addresses it, without a trailing slash: a URI
   * (`s3://bucket/prefix/events`, `file:///data/lake/events`) or, for DuckDB, a local path.
   */
  readonly events: string;
}

export interface EngineDialect {
  /** The statements, each ending in `;`, with a newline after each. */
  ddl(table: LakeTable): string;
}
