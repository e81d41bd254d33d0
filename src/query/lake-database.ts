/**
 * A query session on a lake: an in-memory DuckDB with the `cloudtrail` view (and
 * `cloudtrail_objects`: objects-view.ts), the UTC time zone
 * (so `now()` comparisons do not depend on the machine's TZ), and no access to any file outside
 * the lake's events directory. It never opens the catalog, so it runs beside an ingest; it reads
 * the published part set under a reader lease, so it sees one consistent set of parts whatever
 * an ingest or compaction does meanwhile.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CtlakeError, firstLine } from '../errors.js';
import { createEventViewStatement } from '../lake/event-view.js';
import { createObjectsViewStatement } from '../lake/objects-view.js';
import { lakeLayout } from '../lake/layout.js';
import { readPartSet } from '../lake/part-set.js';
import { type ReaderLease, takeReaderLease } from '../lake/reader-leases.js';
import { readPackageFile } from '../util/package-files.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../defaults.js';
import { confinementStatements } from './sandbox.js';

export class LakeDatabase {
  readonly #instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  readonly #tempDir: string;
  readonly #lease: ReaderLease;

  readonly #removeTempDir = (): void => {
    this.#lease.release();
    rmSync(this.#tempDir, { recursive: true, force: true });
  };

  private constructor(
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    tempDir: string,
    lease: ReaderLease,
  ) {
    this.#instance = instance;
    this.connection = connection;
    this.#tempDir = tempDir;
    this.#lease = lease;
    // A reader that stops early (`| head`) ends the process without closing the session.
    process.once('exit', this.#removeTempDir);
  }

  /**
   * `writableFile`: the one file a query's result may be written to (`--out` for Parquet).
   * `reading.metadataCache` (default true): keep each part's Parquet footer once read, for the
   * session's later queries — parsing the footers of a compacted lake's day files was most of a
   * selective query's time (a benchmark turns it off to measure its baseline).
   */
  static async open(
    lakeDir: string,
    writableFile?: string,
    limits: QueryLimits = DEFAULT_QUERY_LIMITS,
    reading: { readonly metadataCache: boolean } = { metadataCache: true },
  ): Promise<LakeDatabase> {
    const layout = lakeLayout(lakeDir);
    if (!existsSync(layout.catalogPath)) {
      throw new CtlakeError(
        'LAKE_INVALID',
        `no lake at ${layout.root} (run ctlake ingest first, or pass --lake)`,
      );
    }
    // DuckDB lets a session read and write its temp directory whatever the other settings say,
    // and its default is `.tmp` in the working directory: a private, empty one holds nothing a
    // query could read.
    const tempDir = await mkdtemp(path.join(os.tmpdir(), 'ctlake-query-'));
    // The lease comes first: a part listed in the set read after it is never removed under us.
    const lease = takeReaderLease(layout);
    let parts: string[];
    try {
      parts = readPartSet(layout);
    } catch (error) {
      lease.release();
      await rm(tempDir, { recursive: true, force: true });
      throw error;
    }
    const objectsFile = existsSync(layout.objectsPath) ? layout.objectsPath : undefined;
    const instance = await DuckDBInstance.create(':memory:', { temp_directory: tempDir });
    const connection = await instance.connect();
    const setup = [
      `SET TimeZone = 'UTC'`,
      createEventViewStatement(parts),
      // Safe to cache: parts are immutable, and a session reads one part set throughout.
      ...(reading.metadataCache ? ['SET parquet_metadata_cache = true'] : []),
      createObjectsViewStatement(objectsFile),
      readPackageFile('sql', 'dialect', 'macros.sql'),
      ...confinementStatements({
        eventsDir: layout.eventsDir,
        ...(objectsFile === undefined ? {} : { readableFiles: [objectsFile] }),
        memoryLimit: limits.memory,
        tempSpace: limits.tempSpace,
        ...(writableFile === undefined ? {} : { writableFile }),
      }),
    ];
    try {
      for (const statement of setup) await connection.run(statement);
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      lease.release();
      await rm(tempDir, { recursive: true, force: true });
      // A part deleted or replaced by hand, say: the view over the parts cannot be built.
      throw new CtlakeError(
        'LAKE_INVALID',
        `lake ${layout.root} cannot be read: ${firstLine(error)}`,
        {
          cause: error,
        },
      );
    }
    return new LakeDatabase(instance, connection, tempDir, lease);
  }

  close(): void {
    this.connection.closeSync();
    this.#instance.closeSync();
    process.off('exit', this.#removeTempDir);
    this.#removeTempDir();
  }
}
