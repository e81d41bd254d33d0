/**
 * DuckDB: a view over the Parquet parts with Hive partitioning, `event_date` read as text as the
 * lake writes it, and the schema's columns named so the view has the event table's shape (and
 * fails at once on a lake that lacks one). A DuckDB on another machine reads a copy on S3 through
 * its httpfs extension, with credentials from a secret.
 */
import { literalGlob } from '../../duckdb/file-path.js';
import { quotedIdentifier, quotedString } from '../../duckdb/sql-text.js';
import type { EngineDialect, LakeTable } from '../engine-dialect.js';

export const duckdb: EngineDialect = {
  ddl(table: LakeTable): string {
    const partition = table.partitionColumn;
    const parts = `${literalGlob(table.events)}/${partition}=*/*.parquet`;
    const columns = [...table.columns.map((c) => c.name), partition].map(quotedIdentifier);
    const s3 = /^s3:\/\//i.test(table.events)
      ? '-- Reading S3 needs httpfs and credentials: INSTALL httpfs; CREATE SECRET (TYPE s3, PROVIDER credential_chain);\n'
      : '';
    return `${s3}CREATE OR REPLACE VIEW ${table.name.map(quotedIdentifier).join('.')} AS
SELECT ${columns.join(', ')}
FROM read_parquet(${quotedString(parts)}, hive_partitioning = true, hive_types = {${quotedString(partition)}: 'VARCHAR'});
`;
  },
};
