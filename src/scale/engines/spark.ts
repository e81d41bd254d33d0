/**
 * Spark SQL: a Parquet data source table over the lake (`USING PARQUET … LOCATION`), the
 * partition column declared with the others and named in PARTITIONED BY. Spark does not list the
 * partitions of a table created over existing files: `MSCK REPAIR TABLE` registers the days, and
 * must run again when days are added.
 */
import type { EngineDialect, LakeColumn, LakeTable } from '../engine-dialect.js';
import { backticked, hiveColumns, hiveString, hiveTableName } from './hive-types.js';

export const spark: EngineDialect = {
  ddl(table: LakeTable): string {
    const name = hiveTableName(table.name);
    const columns: LakeColumn[] = [
      ...table.columns,
      { name: table.partitionColumn, type: { kind: 'string' } },
    ];
    return `CREATE TABLE ${name} (
${hiveColumns(columns)}
)
USING PARQUET
PARTITIONED BY (${backticked(table.partitionColumn)})
LOCATION ${hiveString(table.events)};
-- Register the days; run it again when days are added.
MSCK REPAIR TABLE ${name};
`;
  },
};
