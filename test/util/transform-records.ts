import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  BATCH_OBJECTS_TABLE,
  eventRowsSelect,
  type RowForm,
  workerSetupStatements,
} from '../../src/ingest/part-sql.js';
import { scanRecords } from '../../src/ingest/record-scanner.js';
import { ScratchFile } from '../../src/ingest/scratch-file.js';
import { type JsonValue, jsonValueConverter } from '../../src/query/json-value.js';

/**
 * Runs records through the worker's real SQL (scratch file → json_transform → projection); `form`
 * picks one of the benchmark's lighter row forms instead of the Lake schema's.
 */
export async function transformRecords(
  records: readonly string[],
  form: RowForm = 'lake',
): Promise<Record<string, JsonValue>[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ctlake-transform-'));
  try {
    const doc = Buffer.from(`{"Records":[${records.join(',')}]}`);
    const scratch = new ScratchFile(path.join(dir, 'records.scratch'));
    scratch.append(0, doc, scanRecords(doc));
    scratch.close();
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const s of workerSetupStatements('256MB', path.join(dir, 'tmp')))
        await connection.run(s);
      await connection.run(`INSERT INTO ${BATCH_OBJECTS_TABLE} VALUES (0, 'test://object')`);
      const reader = await connection.runAndReadAll(
        `${eventRowsSelect({ path: scratch.path, placeholders: false }, undefined, form)} ORDER BY "recordIndex"`,
      );
      const names = reader.columnNames();
      return reader
        .convertRows(jsonValueConverter)
        .map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
