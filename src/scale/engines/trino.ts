/**
 * Trino: a table of the Hive connector over the lake's Parquet (`external_location`), the
 * partition column last as the connector requires. The connector does not find partitions by
 * itself: `system.sync_partition_metadata` registers the days, and must run again when days are
 * added. Its timestamps are milliseconds unless the catalog says otherwise, and it refuses a
 * TIMESTAMP(6) column then; the lake's are microseconds, so the DDL says what to set.
 */
import type { ColumnType, EngineDialect, LakeColumn, LakeTable } from '../engine-dialect.js';

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function trinoType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP(6)';
    case 'integer':
      return 'INTEGER';
    case 'map':
      return 'MAP(VARCHAR, VARCHAR)';
    case 'struct':
      return `ROW(${type.fields.map((f) => `${quoted(f.name)} ${trinoType(f.type)}`).join(', ')})`;
    case 'list':
      return `ARRAY(${trinoType(type.element)})`;
    default:
      return type satisfies never;
  }
}

/** The CALL that registers the days, which needs the table's schema by name. */
function syncPartitions(name: readonly string[]): string {
  const table = name.at(-1) ?? '';
  const schema = name.at(-2);
  const catalog = name.at(-3);
  const procedure = `${catalog === undefined ? '' : `${quoted(catalog)}.`}system.sync_partition_metadata`;
  const call = `CALL ${procedure}(schema_name => ${literal(schema ?? '<schema>')}, table_name => ${literal(table)}, mode => 'FULL');`;
  return schema === undefined
    ? `-- Register the days (again when days are added), naming the table's schema:\n-- ${call}\n`
    : `-- Register the days; run it again when days are added.\n${call}\n`;
}

export const trino: EngineDialect = {
  ddl(table: LakeTable): string {
    const columns: LakeColumn[] = [
      ...table.columns,
      { name: table.partitionColumn, type: { kind: 'string' } },
    ];
    return `-- Trino's Hive connector. TIMESTAMP(6) needs the catalog's timestamp precision at microseconds:
-- hive.timestamp-precision=MICROSECONDS in its properties, or SET SESSION <catalog>.timestamp_precision = 'MICROSECONDS'.
CREATE TABLE ${table.name.map(quoted).join('.')} (
${columns.map((c) => `  ${quoted(c.name)} ${trinoType(c.type)}`).join(',\n')}
)
WITH (
  format = 'PARQUET',
  external_location = ${literal(table.events)},
  partitioned_by = ARRAY[${literal(table.partitionColumn)}]
);
${syncPartitions(table.name)}`;
  },
};
