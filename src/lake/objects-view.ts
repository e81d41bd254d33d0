/**
 * The `cloudtrail_objects` view: one row per source object in the lake, with the SHA-256 of its
 * bytes as ingested and what `ctlake verify` found for it, so a query or report can say which
 * rows (`cloudtrail."sourceObject"`) come from files a signed digest vouches for. The catalog
 * publishes it as `objects.parquet` (written aside, then renamed) after every ingest, compact
 * and verify; queries read that file, never the catalog.
 */
import { quotedIdentifier } from '../duckdb/sql-text.js';
import { readerPath } from '../duckdb/file-path.js';

export const OBJECTS_VIEW = 'cloudtrail_objects';

/** The view's columns, in order, as the catalog's SELECT names them. */
export const OBJECT_COLUMNS: readonly {
  readonly name: string;
  readonly sqlType: string;
  readonly from: string;
}[] = [
  { name: 'uri', sqlType: 'VARCHAR', from: 'o.uri' },
  { name: 'kind', sqlType: 'VARCHAR', from: 'o.kind' },
  { name: 'size', sqlType: 'BIGINT', from: 'o.size' },
  { name: 'sha256', sqlType: 'VARCHAR', from: 'o.sha256' },
  { name: 'events', sqlType: 'BIGINT', from: 'o.events' },
  { name: 'runId', sqlType: 'INTEGER', from: 'o.run_id' },
  { name: 'ingestedAt', sqlType: 'TIMESTAMP', from: 'o.ingested_at' },
  { name: 'verification', sqlType: 'VARCHAR', from: 'v.status' },
  { name: 'verificationReason', sqlType: 'VARCHAR', from: 'v.reason' },
  { name: 'digest', sqlType: 'VARCHAR', from: 'v.digest' },
  { name: 'verifiedAt', sqlType: 'TIMESTAMP', from: 'v.verified_at' },
];

/** The catalog's SELECT of what the view shows. */
export function objectsSelect(): string {
  const columns = OBJECT_COLUMNS.map((c) => `${c.from} AS ${quotedIdentifier(c.name)}`).join(', ');
  return `SELECT ${columns} FROM objects o LEFT JOIN verifications v USING (uri) ORDER BY o.uri`;
}

/** The view over the published file, or an empty relation of its columns when there is none. */
export function createObjectsViewStatement(objectsFile: string | undefined): string {
  if (objectsFile === undefined) {
    const nulls = OBJECT_COLUMNS.map(
      (c) => `CAST(NULL AS ${c.sqlType}) AS ${quotedIdentifier(c.name)}`,
    ).join(', ');
    return `CREATE OR REPLACE TEMP VIEW ${OBJECTS_VIEW} AS SELECT ${nulls} WHERE false`;
  }
  const names = OBJECT_COLUMNS.map((c) => quotedIdentifier(c.name)).join(', ');
  return `CREATE OR REPLACE TEMP VIEW ${OBJECTS_VIEW} AS SELECT ${names} FROM read_parquet(${readerPath(objectsFile)})`;
}
