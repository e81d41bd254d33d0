/**
 * The lake catalog (`catalog.duckdb`): which objects are in the lake (with the version that was
 * read and how many events it gave), which Parquet parts hold them, which objects failed and
 * why, and one row per ingest run. It is the single writer's lock on the lake: a second ingest
 * cannot open it while one runs. Queries never open it — they read `events/` only.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type DuckDBAppender,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CtlakeError, LakeBusyError, firstLine } from '../errors.js';
import { readPackageFile } from '../util/package-files.js';
import type { LakeLayout } from './layout.js';

/** What the catalog knows of an object already in the lake. */
export interface CatalogedObject {
  readonly version: string;
  readonly events: number;
}

export interface CommittedObject {
  readonly uri: string;
  readonly size: number;
  readonly version: string;
  readonly kind: string;
  readonly events: number;
}

export interface FailedObject {
  readonly uri: string;
  readonly size: number;
  readonly version: string;
  readonly reason: string;
}

export interface CommittedPart {
  readonly stagedPath: string;
  /** Path under events/. */
  readonly lakePath: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface RunTotals {
  readonly objects: number;
  readonly events: number;
  readonly bytes: number;
  readonly errors: number;
}

export type RunStatus = 'done' | 'failed' | 'interrupted';

function isLockError(error: unknown): boolean {
  return /could not set lock|conflicting lock/i.test(firstLine(error));
}

export class Catalog {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #layout: LakeLayout;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, layout: LakeLayout) {
    this.#instance = instance;
    this.#connection = connection;
    this.#layout = layout;
  }

  /** Opens (creating if needed) the catalog of the lake at `layout` for writing. */
  static async open(layout: LakeLayout): Promise<Catalog> {
    await mkdir(layout.root, { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(layout.catalogPath, { threads: '1' });
    } catch (error) {
      if (isLockError(error)) throw new LakeBusyError(layout.root, firstLine(error), { cause: error });
      throw new CtlakeError('LAKE_INVALID', `cannot open ${layout.catalogPath}: ${firstLine(error)}`, {
        cause: error,
      });
    }
    const connection = await instance.connect();
    await connection.run(readPackageFile('sql', 'catalog', 'schema.sql'));
    const catalog = new Catalog(instance, connection, layout);
    await catalog.#recover();
    return catalog;
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }

  async #rows(sql: string, values?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    const reader = await this.#connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJS();
  }

  /**
   * Brings the lake to a consistent state after a crash: parts the catalog committed but never
   * moved into place are moved now; anything else left in staging was never committed and goes.
   */
  async #recover(): Promise<void> {
    const pending = await this.#rows(`SELECT part, staged FROM parts WHERE state = 'pending'`);
    for (const row of pending) {
      const part = String(row['part']);
      const finalPath = path.join(this.#layout.eventsDir, part);
      if (!existsSync(finalPath)) {
        const staged = String(row['staged']);
        if (!existsSync(staged)) {
          throw new CtlakeError(
            'LAKE_INVALID',
            `lake ${this.#layout.root} is damaged: committed part ${part} is missing from events/ and staging/`,
          );
        }
        await mkdir(path.dirname(finalPath), { recursive: true });
        await rename(staged, finalPath);
      }
    }
    if (pending.length > 0) await this.#connection.run(`UPDATE parts SET state = 'live', staged = NULL WHERE state = 'pending'`);
    await rm(this.#layout.stagingDir, { recursive: true, force: true });
    await this.#connection.run(
      `UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, now()::TIMESTAMP) WHERE status = 'running'`,
    );
  }

  async knownObjects(): Promise<Map<string, CatalogedObject>> {
    const rows = await this.#rows(`SELECT uri, version, events FROM objects`);
    return new Map(
      rows.map((r) => [String(r['uri']), { version: String(r['version']), events: Number(r['events']) }]),
    );
  }

  async beginRun(sources: string): Promise<number> {
    const rows = await this.#rows(`SELECT coalesce(max(run_id), 0) + 1 AS id FROM runs`);
    const runId = Number(rows[0]?.['id'] ?? 1);
    await this.#connection.run(
      `INSERT INTO runs (run_id, started_at, sources, status) VALUES ($1, now()::TIMESTAMP, $2, 'running')`,
      [runId, sources],
    );
    return runId;
  }

  async finishRun(runId: number, status: RunStatus, totals: RunTotals): Promise<void> {
    await this.#connection.run(
      `UPDATE runs SET finished_at = now()::TIMESTAMP, status = $2, objects = $3, events = $4, bytes = $5, errors = $6 WHERE run_id = $1`,
      [runId, status, totals.objects, totals.events, totals.bytes, totals.errors],
    );
  }

  /**
   * Records a finished task in one transaction, then moves its parts into `events/`. A crash
   * before COMMIT loses nothing (the objects are simply not in the catalog and are read again);
   * a crash after it is rolled forward by `#recover`.
   */
  async commitTask(
    runId: number,
    parts: readonly CommittedPart[],
    objects: readonly CommittedObject[],
    failures: readonly FailedObject[],
  ): Promise<void> {
    const c = this.#connection;
    const now = new DuckDBTimestampValue(BigInt(Date.now()) * 1000n);
    await c.run('BEGIN TRANSACTION');
    try {
      await this.#append('new_parts', parts, (a, p) => {
        a.appendVarchar(p.lakePath);
        a.appendInteger(runId);
        a.appendBigInt(BigInt(p.rows));
        a.appendBigInt(BigInt(p.bytes));
        a.appendVarchar(p.stagedPath);
        a.appendVarchar('pending');
      });
      await this.#append('new_objects', objects, (a, o) => {
        a.appendVarchar(o.uri);
        a.appendBigInt(BigInt(o.size));
        a.appendVarchar(o.version);
        a.appendVarchar(o.kind);
        a.appendBigInt(BigInt(o.events));
        a.appendInteger(runId);
        a.appendTimestamp(now);
      });
      await this.#append('new_errors', failures, (a, f) => {
        a.appendInteger(runId);
        a.appendVarchar(f.uri);
        a.appendBigInt(BigInt(f.size));
        a.appendVarchar(f.version);
        a.appendVarchar(f.reason);
        a.appendTimestamp(now);
      });
      await c.run(readPackageFile('sql', 'catalog', 'commit-task.sql'));
      await c.run('COMMIT');
    } catch (error) {
      await c.run('ROLLBACK');
      throw error;
    }
    for (const part of parts) {
      const finalPath = path.join(this.#layout.eventsDir, part.lakePath);
      await mkdir(path.dirname(finalPath), { recursive: true });
      await rename(part.stagedPath, finalPath);
    }
    if (parts.length > 0) {
      await c.run(`UPDATE parts SET state = 'live', staged = NULL WHERE run_id = $1 AND state = 'pending'`, [runId]);
    }
  }

  async #append<T>(table: string, rows: readonly T[], appendRow: (a: DuckDBAppender, row: T) => void): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.#connection.createAppender(table, 'main', 'temp');
    for (const row of rows) {
      appendRow(appender, row);
      appender.endRow();
    }
    appender.closeSync();
  }
}
