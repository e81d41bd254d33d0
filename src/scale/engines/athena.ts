/**
 * Athena: Hive DDL for an external Parquet table on S3, with partition projection, so Athena
 * computes the `event_date` partitions from the table's properties instead of looking them up:
 * no `MSCK REPAIR TABLE` and no `ALTER TABLE ADD PARTITION` as days arrive. The property names
 * and the date type's format, range and interval are Athena's
 * (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html,
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html).
 *
 * Athena runs one statement per query, so the DDL is printed alone, without the notes the other
 * engines' output carries (README says what it needs: the lake's copy on S3).
 */
import type { EngineDialect, LakeTable } from '../engine-dialect.js';
import { backticked, hiveColumns, hiveString, hiveTableName, hiveType } from './hive-types.js';

/**
 * The first day projected: CloudTrail began in November 2013, so no real event is older. Athena
 * does not see an event outside the range (dated before it, or in the future) or one without a
 * time.
 */
const FIRST_DAY = '2013-01-01';

export const athena: EngineDialect = {
  ddl(table: LakeTable): string {
    const column = table.partitionColumn;
    const properties: [string, string][] = [
      ['projection.enabled', 'true'],
      [`projection.${column}.type`, 'date'],
      [`projection.${column}.format`, 'yyyy-MM-dd'],
      [`projection.${column}.range`, `${FIRST_DAY},NOW`],
      [`projection.${column}.interval`, '1'],
      [`projection.${column}.interval.unit`, 'DAYS'],
      ['storage.location.template', `${table.events}/${column}=\${${column}}/`],
    ];
    return `CREATE EXTERNAL TABLE ${hiveTableName(table.name)} (
${hiveColumns(table.columns)}
)
PARTITIONED BY (${backticked(column)} ${hiveType({ kind: 'string' })})
STORED AS PARQUET
LOCATION ${hiveString(`${table.events}/`)}
TBLPROPERTIES (
${properties.map(([key, value]) => `  ${hiveString(key)} = ${hiveString(value)}`).join(',\n')}
);
`;
  },
};
