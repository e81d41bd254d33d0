/**
 * The lake catalog (`catalog.duckdb`): which objects are in the lake (with the version that was
 * read and how many events it gave), which Parquet parts hold them, which objects failed and
 * why, and one row per ingest run. It is the single writer's lock on the lake: a second ingest
 * cannot open it while one runs. Queries never open it: they read the part set it publishes.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  type DuckDBAppender,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  CtlakeError,
  LakeBusyError,
  UsageError,
  errnoReason,
  firstLine,
  machineFault,
} from '../errors.js';
import { quotedString } from '../duckdb/sql-text.js';
import { sha256File } from '../util/file-hash.js';
import { readPackageFile } from '../util/package-files.js';
import { isLockError } from '../duckdb/errors.js';
import { readerPath, readerPaths } from '../duckdb/file-path.js';
import { LAKE_PARQUET_CODEC, parquetCopyOptions } from '../duckdb/parquet.js';
import type { LakeLayout } from './layout.js';
import { type AttachedCatalog, sharedObjectSql, unionCatalogSql } from './merge-sql.js';
import { objectsSelect } from './objects-view.js';
import { publishPartSet } from './part-set.js';
import { hasLiveReaders } from './reader-leases.js';

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
  /** SHA-256 of the object's bytes as read (absent when a stream was not read to its end). */
  readonly sha256?: string;
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
  /** SHA-256 of the part file, checked by `ctlake verify --lake`. */
  readonly sha256: string;
}

export interface TaskCommit {
  readonly runId: number;
  readonly parts: readonly CommittedPart[];
  readonly objects: readonly CommittedObject[];
  readonly failures: readonly FailedObject[];
  /** URIs among `objects` whose earlier version's rows must go. */
  readonly replaced: readonly string[];
  /** Where rewritten parts are staged, and their file name prefix. */
  readonly stagingDir: string;
  readonly partPrefix: string;
  /** Live parts (paths under events/) whose rows `parts` now hold: retired in the same commit. */
  readonly retire?: readonly string[];
}

export interface LivePart {
  /** Path under events/. */
  readonly part: string;
  readonly rows: number;
}

export interface RunTotals {
  readonly objects: number;
  readonly events: number;
  readonly bytes: number;
  readonly errors: number;
}

export type RunStatus = 'done' | 'failed' | 'interrupted';

/** A live part with what the catalog recorded when it was committed. */
export interface RecordedPart {
  /** Path under events/. */
  readonly part: string;
  readonly rows: number;
  readonly bytes: number;
  /** Absent for parts committed before ctlake recorded part hashes. */
  readonly sha256?: string;
}

/** What verify found for one object of the lake. */
export interface ObjectVerification {
  readonly status: string;
  readonly reason?: string;
  readonly digest?: string;
}

/** Another lake's catalog, attached read-only to be merged in, with its live parts. */
export interface MergeSource {
  readonly layout: LakeLayout;
  readonly catalog: AttachedCatalog;
  readonly parts: readonly RecordedPart[];
  /** Objects its catalog holds. */
  readonly objects: number;
}

/** An object two of the merged lakes hold (lake indexes: 0 the lake merged into, then the sources). */
export interface SharedObject {
  readonly identity: string;
  readonly uris: readonly string[];
  readonly lakes: readonly number[];
}

/** Whether `eventsDir` holds any Parquet part (a lake's data, with or without its catalog). */
async function holdsParts(eventsDir: string): Promise<boolean> {
  const entries = await readdir(eventsDir, { recursive: true }).catch(() => []);
  return entries.some((name) => name.endsWith('.parquet'));
}

/**
 * The live parts as recorded, for `recordedPart` (also read by catalog-facts.ts, read-only), from
 * this catalog's parts table or an attached one's (`merged_0.parts`).
 */
export function recordedPartsSql(table = 'parts'): string {
  return `SELECT part, rows, bytes, sha256 FROM ${table} WHERE state = 'live' ORDER BY part`;
}

export function recordedPart(r: Readonly<Record<string, unknown>>): RecordedPart {
  return {
    part: String(r['part']),
    rows: Number(r['rows']),
    bytes: Number(r['bytes']),
    sha256: typeof r['sha256'] === 'string' ? r['sha256'] : undefined,
  };
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
    if (!existsSync(layout.catalogPath) && (await holdsParts(layout.eventsDir))) {
      // A new catalog would number its runs from 1 again over parts it knows nothing of.
      throw new CtlakeError(
        'LAKE_INVALID',
        `lake ${layout.root} has event parts but no catalog.duckdb (deleted?): restore it, or move events/ away to start a new lake`,
      );
    }
    await mkdir(layout.root, { recursive: true }).catch((error: unknown) => {
      throw new CtlakeError(
        'LAKE_INVALID',
        `cannot create the lake at ${layout.root}: ${errnoReason(error)}`,
        { cause: error },
      );
    });
    if (layout.root.includes('?')) {
      // DuckDB reads what follows a `?` in a database path as URL parameters and puts the
      // write-ahead log where no folder exists (`what.wal?/…`): every commit would fail.
      throw new UsageError(
        `cannot keep a lake at ${layout.root}: DuckDB cannot store a database under a path holding '?' (choose another --lake)`,
      );
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(layout.catalogPath, { threads: '1' });
    } catch (error) {
      if (isLockError(error))
        throw new LakeBusyError(layout.root, firstLine(error), { cause: error });
      throw new CtlakeError(
        'LAKE_INVALID',
        `cannot open ${layout.catalogPath}: ${firstLine(error)}`,
        {
          cause: error,
        },
      );
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
   * moved into place are moved now, the part set is published, parts it retired are deleted
   * (once no query may read them), and anything else left in staging was never committed and goes.
   */
  async #recover(): Promise<void> {
    await this.#settleParts(true);
    await rm(this.#layout.stagingDir, { recursive: true, force: true });
    await this.#connection.run(
      `UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, now()::TIMESTAMP) WHERE status = 'running'`,
    );
  }

  /**
   * Makes the files match the committed catalog: pending parts are renamed into events/ and
   * become live, the live parts are published as the part set queries read, and retired parts
   * are deleted, unless a query that may still read them is running (they are then deleted by a
   * later settle). Idempotent, so a crash at any point is resumed by running it again.
   */
  async #settleParts(publish = false): Promise<void> {
    const rows = await this.#rows(
      `SELECT part, staged, state FROM parts WHERE state <> 'live' ORDER BY state`,
    );
    const pending = rows.filter((row) => row['state'] === 'pending');
    const retired = rows.filter((row) => row['state'] === 'retired');
    for (const row of pending) {
      const part = String(row['part']);
      const finalPath = path.join(this.#layout.eventsDir, part);
      if (existsSync(finalPath)) continue;
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
    if (pending.length > 0) {
      await this.#connection.run(
        `UPDATE parts SET state = 'live', staged = NULL WHERE state = 'pending'`,
      );
    }
    if (publish || rows.length > 0) {
      await publishPartSet(
        this.#layout,
        (await this.liveParts()).map((p) => p.part),
      );
    }
    if (retired.length > 0 && !(await hasLiveReaders(this.#layout))) {
      for (const row of retired) {
        await rm(path.join(this.#layout.eventsDir, String(row['part'])), { force: true });
      }
      await this.#connection.run(`DELETE FROM parts WHERE state = 'retired'`);
    }
  }

  /**
   * For objects read again because their version changed: stages a copy of every live part that
   * holds their old rows, without those rows. Returns the parts to retire and the replacements.
   */
  async #stageRewrites(
    replaced: readonly string[],
    stagingDir: string,
    partPrefix: string,
  ): Promise<{ retire: string[]; add: CommittedPart[] }> {
    if (replaced.length === 0) return { retire: [], add: [] };
    const live = (await this.liveParts()).map((p) => path.join(this.#layout.eventsDir, p.part));
    if (live.length === 0) return { retire: [], add: [] };
    const list = `[${replaced.map(quotedString).join(', ')}]`;
    const holding = await this.#rows(
      `SELECT DISTINCT filename FROM read_parquet(${readerPaths(live)}, filename = true) WHERE list_contains(${list}, "sourceObject")`,
    );
    const retire: string[] = [];
    const add: CommittedPart[] = [];
    for (const [n, row] of holding.entries()) {
      const file = String(row['filename']);
      const lakePath = path.relative(this.#layout.eventsDir, file);
      retire.push(lakePath);
      const staged = path.join(stagingDir, `${partPrefix}-${n}.parquet`);
      await mkdir(stagingDir, { recursive: true });
      await this.#connection.run(
        `COPY (SELECT * FROM read_parquet(${readerPath(file)}, hive_partitioning = false) WHERE NOT list_contains(${list}, "sourceObject")) TO ${quotedString(staged)} (${parquetCopyOptions(LAKE_PARQUET_CODEC)})`,
      );
      const counted = await this.#rows(
        `SELECT count(*) AS n FROM read_parquet(${readerPath(staged)})`,
      );
      const rows = Number(counted[0]?.['n'] ?? 0);
      if (rows === 0) {
        await rm(staged, { force: true });
        continue;
      }
      const newPath = path.join(path.dirname(lakePath), path.basename(staged));
      add.push({
        stagedPath: staged,
        lakePath: newPath,
        rows,
        bytes: statSync(staged).size,
        sha256: await sha256File(staged),
      });
    }
    return { retire, add };
  }

  async liveParts(): Promise<LivePart[]> {
    const rows = await this.#rows(
      `SELECT part, rows FROM parts WHERE state = 'live' ORDER BY part`,
    );
    return rows.map((r) => ({ part: String(r['part']), rows: Number(r['rows']) }));
  }

  /** Live parts with what was recorded when each was committed (sha256 null in older lakes). */
  async recordedParts(): Promise<RecordedPart[]> {
    return (await this.#rows(recordedPartsSql())).map(recordedPart);
  }

  /** Records what verify found for each object, by URI (a later verify replaces it). */
  async recordVerifications(verdicts: ReadonlyMap<string, ObjectVerification>): Promise<void> {
    if (verdicts.size === 0) return;
    const c = this.#connection;
    const now = new DuckDBTimestampValue(BigInt(Date.now()) * 1000n);
    await c.run('BEGIN TRANSACTION');
    try {
      await c.run(
        'CREATE OR REPLACE TEMP TABLE new_verifications AS SELECT * FROM verifications LIMIT 0',
      );
      await this.#append('new_verifications', [...verdicts], (a, [uri, v]) => {
        a.appendVarchar(uri);
        a.appendVarchar(v.status);
        if (v.reason === undefined) a.appendNull();
        else a.appendVarchar(v.reason);
        if (v.digest === undefined) a.appendNull();
        else a.appendVarchar(v.digest);
        a.appendTimestamp(now);
      });
      await c.run(
        'DELETE FROM verifications WHERE uri IN (SELECT uri FROM new_verifications); INSERT INTO verifications SELECT * FROM new_verifications; DROP TABLE new_verifications',
      );
      await c.run('COMMIT');
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw new CtlakeError(
        'LAKE_INVALID',
        `cannot record the verification in ${this.#layout.catalogPath}: ${firstLine(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * Writes the objects queries see (`cloudtrail_objects`: objects-view.ts) beside the catalog,
   * aside and then renamed, so a query reads the old file or the new one, never half of one.
   */
  async publishObjects(): Promise<void> {
    const aside = `${this.#layout.objectsPath}.${String(process.pid)}.tmp`;
    await this.#connection.run(
      `COPY (${objectsSelect()}) TO ${quotedString(aside)} (${parquetCopyOptions(LAKE_PARQUET_CODEC)})`,
    );
    await rename(aside, this.#layout.objectsPath);
  }

  async knownObjects(): Promise<Map<string, CatalogedObject>> {
    const rows = await this.#rows(`SELECT uri, version, events FROM objects`);
    return new Map(
      rows.map((r) => [
        String(r['uri']),
        { version: String(r['version']), events: Number(r['events']) },
      ]),
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
    // After a failed run (a full disk, say) the run's own error is the one to report.
    await this.publishObjects().catch((error: unknown) => {
      if (status === 'done') throw error;
    });
  }

  /**
   * Records a finished task in one transaction, then moves its parts into `events/`. A crash
   * before COMMIT loses nothing (the objects are simply not in the catalog and are read again);
   * a crash after it is rolled forward by `#recover`. Objects in `replaced` had rows from an
   * earlier version: the parts holding those rows are rewritten without them in the same commit.
   */
  async commitTask(task: TaskCommit): Promise<void> {
    const { runId, objects, failures } = task;
    const c = this.#connection;
    const rewrites = await this.#stageRewrites(task.replaced, task.stagingDir, task.partPrefix);
    const parts = [...task.parts, ...rewrites.add];
    const retire = [...rewrites.retire, ...(task.retire ?? [])];
    const now = new DuckDBTimestampValue(BigInt(Date.now()) * 1000n);
    await this.#commit('cannot commit to', async () => {
      for (const part of retire) {
        await c.run(`UPDATE parts SET state = 'retired' WHERE part = $1`, [part]);
      }
      await this.#appendPendingParts(runId, parts);
      await this.#append('new_objects', objects, (a, o) => {
        a.appendVarchar(o.uri);
        a.appendBigInt(BigInt(o.size));
        a.appendVarchar(o.version);
        a.appendVarchar(o.kind);
        a.appendBigInt(BigInt(o.events));
        a.appendInteger(runId);
        a.appendTimestamp(now);
        if (o.sha256 === undefined) a.appendNull();
        else a.appendVarchar(o.sha256);
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
    });
  }

  /**
   * Attaches other lakes' catalogs read-only (which also keeps any ingest from writing to them
   * until the merge ends), numbering their runs after this lake's own, in order.
   */
  async attachForMerge(layouts: readonly LakeLayout[]): Promise<MergeSource[]> {
    const [own] = await this.#rows(`SELECT coalesce(max(run_id), 0) AS n FROM runs`);
    let runOffset = Number(own?.['n'] ?? 0);
    const sources: MergeSource[] = [];
    for (const [i, layout] of layouts.entries()) {
      const alias = `merged_${String(i)}`;
      try {
        await this.#connection.run(
          `ATTACH ${quotedString(layout.catalogPath)} AS ${alias} (READ_ONLY)`,
        );
      } catch (error) {
        if (isLockError(error)) {
          throw new LakeBusyError(layout.root, firstLine(error), { cause: error });
        }
        throw new CtlakeError(
          'LAKE_INVALID',
          `cannot read the catalog of ${layout.root}: ${firstLine(error)}`,
          { cause: error },
        );
      }
      const parts = (await this.#rows(recordedPartsSql(`${alias}.parts`))).map(recordedPart);
      const [counts] = await this.#rows(
        `SELECT (SELECT coalesce(max(run_id), 0) FROM ${alias}.runs) AS runs, (SELECT count(*) FROM ${alias}.objects) AS objects`,
      );
      sources.push({
        layout,
        catalog: { alias, runOffset, label: `[merged from ${layout.root}] ` },
        parts,
        objects: Number(counts?.['objects'] ?? 0),
      });
      runOffset += Number(counts?.['runs'] ?? 0);
    }
    return sources;
  }

  /** The first object (by name) that two of the lakes hold, if any. */
  async sharedObject(sources: readonly MergeSource[]): Promise<SharedObject | undefined> {
    const [row] = await this.#rows(sharedObjectSql(sources.map((s) => s.catalog)));
    if (row === undefined) return undefined;
    return {
      identity: String(row['identity']),
      uris: (row['uris'] as unknown[]).map(String),
      lakes: (row['lakes'] as unknown[]).map(Number),
    };
  }

  /**
   * Unions the sources' catalogs into this one and records `parts` (staged copies of their live
   * parts) in one transaction, then moves the parts into events/, as a task's commit does.
   */
  async commitMerge(
    runId: number,
    sources: readonly MergeSource[],
    parts: readonly CommittedPart[],
  ): Promise<void> {
    await this.#commit('cannot commit the merge to', async () => {
      for (const source of sources) await this.#connection.run(unionCatalogSql(source.catalog));
      await this.#appendPendingParts(runId, parts);
      await this.#connection.run(
        'INSERT INTO parts SELECT * FROM new_parts; DELETE FROM new_parts',
      );
    });
  }

  /**
   * Runs `work` in one transaction, then moves the parts it recorded as pending into events/. A
   * crash before COMMIT loses nothing; one after it is rolled forward by `#recover`.
   */
  async #commit(failure: string, work: () => Promise<void>): Promise<void> {
    const c = this.#connection;
    await c.run('BEGIN TRANSACTION');
    try {
      await work();
      await c.run('COMMIT');
    } catch (error) {
      // A COMMIT that failed (a full disk) has already ended the transaction: its error is the
      // one to report, not ROLLBACK's "no transaction is active".
      await c.run('ROLLBACK').catch(() => undefined);
      throw new CtlakeError(
        machineFault(error) === undefined ? 'LAKE_INVALID' : 'MACHINE_FAULT',
        `${failure} ${this.#layout.catalogPath}: ${firstLine(error)}`,
        { cause: error },
      );
    }
    await this.#settleParts();
  }

  /** Detaches the catalogs `attachForMerge` attached. */
  async detach(sources: readonly MergeSource[]): Promise<void> {
    for (const source of sources) {
      await this.#connection.run(`DETACH ${source.catalog.alias}`).catch(() => undefined);
    }
  }

  /** Stages `parts` in `new_parts` as pending: the commit moves them in. */
  async #appendPendingParts(runId: number, parts: readonly CommittedPart[]): Promise<void> {
    await this.#append('new_parts', parts, (a, p) => {
      a.appendVarchar(p.lakePath);
      a.appendInteger(runId);
      a.appendBigInt(BigInt(p.rows));
      a.appendBigInt(BigInt(p.bytes));
      a.appendVarchar(p.stagedPath);
      a.appendVarchar('pending');
      a.appendVarchar(p.sha256);
    });
  }

  async #append<T>(
    table: string,
    rows: readonly T[],
    appendRow: (a: DuckDBAppender, row: T) => void,
  ): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.#connection.createAppender(table, 'main', 'temp');
    for (const row of rows) {
      appendRow(appender, row);
      appender.endRow();
    }
    appender.closeSync();
  }
}
