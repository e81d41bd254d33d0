/**
 * The `cloudtrail` view over the lake's published Parquet parts (part-set.ts). With no parts yet
 * it is an empty relation of the same schema, so queries against a new lake return no rows
 * instead of failing.
 */
import { readerPaths } from '../duckdb/file-path.js';
import { EVENT_TABLE_NAME, PARTITION_COLUMN } from '../schema/event-schema.js';
import { quotedIdentifier, quotedString } from '../duckdb/sql-text.js';
import { eventTableColumns } from '../schema/transform.js';

export const EVENT_VIEW = EVENT_TABLE_NAME;

/** The view over `parts`, absolute paths of Parquet parts in the lake's Hive layout. */
export function createEventViewStatement(parts: readonly string[]): string {
  const columns = eventTableColumns();
  if (parts.length === 0) {
    const nulls = columns
      .map((c) => `CAST(NULL AS ${c.sqlType}) AS ${quotedIdentifier(c.name)}`)
      .join(', ');
    return `CREATE OR REPLACE TEMP VIEW ${EVENT_VIEW} AS SELECT ${nulls} WHERE false`;
  }
  const names = columns.map((c) => quotedIdentifier(c.name)).join(', ');
  return `CREATE OR REPLACE TEMP VIEW ${EVENT_VIEW} AS SELECT ${names} FROM read_parquet(${readerPaths(
    parts,
  )}, hive_partitioning = true, hive_types = {${quotedString(PARTITION_COLUMN)}: 'VARCHAR'})`;
}
