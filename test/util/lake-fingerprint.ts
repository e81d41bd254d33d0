import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { queryRows } from './cli.js';

export interface LakeFingerprint {
  readonly rows: number;
  readonly keys: number;
  /** md5 over the ordered (sourceObject, recordIndex, checksum) of every row. */
  readonly digest: string;
}

/** The fingerprint of the lake's rows (those matching `where`, a SQL condition, when given). */
export async function fingerprint(lake: string, where = 'true'): Promise<LakeFingerprint> {
  const [row] = await queryRows(
    lake,
    `SELECT count(*) AS rows, count(DISTINCT ("sourceObject", "recordIndex")) AS keys,
            md5(coalesce(string_agg("sourceObject" || '#' || "recordIndex" || '#' || "eventJsonChecksum", ','
                ORDER BY "sourceObject", "recordIndex"), '')) AS digest
     FROM cloudtrail WHERE ${where}`,
  );
  return {
    rows: Number(row?.['rows']),
    keys: Number(row?.['keys']),
    digest: String(row?.['digest']),
  };
}

/** Rows of a query over the lake's catalog (read-only; the lake must not be in use). */
export async function catalogRows(lake: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path.join(lake, 'catalog.duckdb'), {
    access_mode: 'READ_ONLY',
  });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Events the catalog says are in the lake (read-only; the lake must not be in use). */
export async function catalogEvents(lake: string): Promise<number> {
  const [row] = await catalogRows(
    lake,
    `SELECT coalesce(sum(events), 0)::BIGINT AS n FROM objects`,
  );
  return Number(row?.['n']);
}
