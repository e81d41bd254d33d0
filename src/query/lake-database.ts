/**
 * A query session on a lake: an in-memory DuckDB with the `cloudtrail` view, the UTC time zone
 * (so `now()` comparisons do not depend on the machine's TZ), and no access to any file outside
 * the lake's events directory. It never opens the catalog, so it runs beside an ingest.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { CtlakeError } from '../errors.js';
import { createEventViewStatement } from '../lake/event-view.js';
import { lakeLayout } from '../lake/layout.js';
import { sqlString } from '../schema/transform.js';
import { readPackageFile } from '../util/package-files.js';

export class LakeDatabase {
  readonly #instance: DuckDBInstance;
  readonly connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.connection = connection;
  }

  /** `writableFile`: the one file a query's result may be written to (`--out` for Parquet). */
  static async open(lakeDir: string, writableFile?: string): Promise<LakeDatabase> {
    const layout = lakeLayout(lakeDir);
    if (!existsSync(layout.root)) {
      throw new CtlakeError(
        'LAKE_INVALID',
        `no lake at ${layout.root} (run ctlake ingest first, or pass --lake)`,
      );
    }
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const setup = [
      `SET TimeZone = 'UTC'`,
      createEventViewStatement(layout.eventsDir),
      readPackageFile('sql', 'dialect', 'macros.sql'),
      `SET allowed_directories = [${sqlString(layout.eventsDir + '/')}]`,
      ...(writableFile === undefined ? [] : [`SET allowed_paths = [${sqlString(writableFile)}]`]),
      `SET enable_external_access = false`,
      `SET autoinstall_known_extensions = false`,
      `SET autoload_known_extensions = false`,
      `SET lock_configuration = true`,
    ];
    for (const statement of setup) await connection.run(statement);
    return new LakeDatabase(instance, connection);
  }

  close(): void {
    this.connection.closeSync();
    this.#instance.closeSync();
  }
}
