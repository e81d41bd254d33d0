/**
 * The `cloudtrail` view over the lake's Parquet parts. With no parts yet it is an empty relation
 * of the same schema, so queries against a new lake return no rows instead of failing.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PARTITION_COLUMN } from '../schema/event-schema.js';
import { eventTableColumns, quoteIdent, sqlString } from '../schema/transform.js';

export const EVENT_VIEW = 'cloudtrail';

function hasParts(eventsDir: string): boolean {
  if (!existsSync(eventsDir)) return false;
  return readdirSync(eventsDir, { recursive: true }).some((f) => String(f).endsWith('.parquet'));
}

export function eventPartsGlob(eventsDir: string): string {
  return path.join(eventsDir, '**', '*.parquet');
}

export function createEventViewStatement(eventsDir: string): string {
  const columns = eventTableColumns();
  if (!hasParts(eventsDir)) {
    const nulls = columns
      .map((c) => `CAST(NULL AS ${c.sqlType}) AS ${quoteIdent(c.name)}`)
      .join(', ');
    return `CREATE OR REPLACE TEMP VIEW ${EVENT_VIEW} AS SELECT ${nulls} WHERE false`;
  }
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  return `CREATE OR REPLACE TEMP VIEW ${EVENT_VIEW} AS SELECT ${names} FROM read_parquet(${sqlString(
    eventPartsGlob(eventsDir),
  )}, hive_partitioning = true, hive_types = {${sqlString(PARTITION_COLUMN)}: 'VARCHAR'})`;
}
