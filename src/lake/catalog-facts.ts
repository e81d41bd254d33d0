/**
 * What a report says about a lake's provenance, read from its catalog without writing to it (a
 * report must not change the evidence it describes): the live parts with their recorded hashes,
 * the objects that could not be read (and were not read since), and the ingest runs. A catalog
 * held by a running ingest cannot be read; the caller is told so, not failed.
 */
import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { isLockError } from '../duckdb/errors.js';
import { isoSecondsFromTimestamp } from '../duckdb/timestamp-text.js';
import { CtlakeError, firstLine } from '../errors.js';
import { type RecordedPart, recordedPart, recordedPartsSql } from './catalog.js';
import type { LakeLayout } from './layout.js';

export interface UnreadableObject {
  readonly uri: string;
  readonly reason: string;
  /** ISO 8601 UTC, the last failed attempt. */
  readonly failedAt: string;
}

export interface CatalogFacts {
  readonly parts: readonly RecordedPart[];
  readonly unreadable: readonly UnreadableObject[];
  readonly runs: number;
  /** The lake's identity (null for a lake not opened for writing since ctlake made one). */
  readonly lakeId: string | null;
  /** ISO 8601 UTC, when the last run finished, if one has. */
  readonly lastRunFinished: string | null;
}

export type CatalogRead =
  | { readonly ok: true; readonly facts: CatalogFacts }
  | { readonly ok: false; readonly reason: string };

const iso = (value: unknown): string => isoSecondsFromTimestamp(String(value));

export async function readCatalogFacts(layout: LakeLayout): Promise<CatalogRead> {
  if (!existsSync(layout.catalogPath)) {
    throw new CtlakeError('LAKE_INVALID', `no lake at ${layout.root} (no catalog.duckdb)`);
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(layout.catalogPath, {
      access_mode: 'READ_ONLY',
      threads: '1',
    });
  } catch (error) {
    if (isLockError(error)) {
      return { ok: false, reason: 'the catalog is in use by a running ingest, compact or verify' };
    }
    return { ok: false, reason: `cannot read ${layout.catalogPath}: ${firstLine(error)}` };
  }
  const connection = await instance.connect();
  try {
    const rows = async (sql: string): Promise<Record<string, unknown>[]> =>
      (await connection.runAndReadAll(sql)).getRowObjectsJS();
    const parts = await rows(recordedPartsSql());
    // An object that failed and was read later (a retry, a fixed file) is not unreadable.
    const unreadable = await rows(
      `SELECT uri, arg_max(reason, failed_at) AS reason, CAST(max(failed_at) AS VARCHAR) AS failed_at
       FROM errors WHERE uri NOT IN (SELECT uri FROM objects) GROUP BY uri ORDER BY uri`,
    );
    const [runs] = await rows(
      `SELECT count(*) AS runs, CAST(max(finished_at) AS VARCHAR) AS finished FROM runs`,
    );
    const [hasIdentity] = await rows(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'lake'`,
    );
    const [identity] =
      Number(hasIdentity?.['n']) > 0 ? await rows(`SELECT max(id) AS id FROM lake`) : [];
    return {
      ok: true,
      facts: {
        lakeId: typeof identity?.['id'] === 'string' ? identity['id'] : null,
        parts: parts.map(recordedPart),
        unreadable: unreadable.map((r) => ({
          uri: String(r['uri']),
          reason: String(r['reason']),
          failedAt: iso(r['failed_at']),
        })),
        runs: Number(runs?.['runs'] ?? 0),
        lastRunFinished: runs?.['finished'] == null ? null : iso(runs['finished']),
      },
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
