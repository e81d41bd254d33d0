/**
 * Piscina worker for the benchmark's floors and component timings: the same files, the same
 * batches and the same worker count as the ingest, but only part of the work.
 *
 * - `gunzip`: read and decompress, nothing else (the I/O + inflate floor);
 * - `parse`: read, decompress and JSON.parse (what any JavaScript reader must at least do);
 * - `components`: ctlake's own worker stages, each timed alone on the batch — prepare (read,
 *   gunzip, scan, checksum, scratch file), transform (DuckDB parses and projects every record
 *   into a temp table), write (the Parquet COPY from that table).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  copyRelationToParts,
  eventRowsSelect,
  workerSetupStatements,
} from '../src/ingest/part-sql.js';
import { scanRecords } from '../src/ingest/record-scanner.js';
import { ScratchFile } from '../src/ingest/scratch-file.js';

export type FloorMode = 'gunzip' | 'parse' | 'components';

/** The stages `components` times, in the order a worker runs them. */
export const STAGES = ['prepare', 'transform', 'write'] as const;

export interface FloorTask {
  readonly mode: FloorMode;
  readonly files: readonly string[];
  readonly scratchDir: string;
}

export interface FloorResult {
  readonly events: number;
  /** Milliseconds per stage (one entry for the floors). */
  readonly stages: Record<string, number>;
}

async function components(task: FloorTask): Promise<FloorResult> {
  mkdirSync(task.scratchDir, { recursive: true });
  const scratchPath = path.join(task.scratchDir, 'records.scratch');
  let t = performance.now();
  const scratch = new ScratchFile(scratchPath);
  let events = 0;
  let placeholders = false;
  task.files.forEach((file, i) => {
    const doc = gunzipSync(readFileSync(file));
    const ranges = scanRecords(doc);
    scratch.append(i, doc, ranges);
    events += ranges.starts.length;
    placeholders ||= ranges.placeholders;
  });
  scratch.close();
  const prepare = performance.now() - t;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const s of workerSetupStatements('1GB', path.join(task.scratchDir, 'tmp')))
      await connection.run(s);
    const appender = await connection.createAppender('batch_objects', 'main', 'temp');
    task.files.forEach((file, i) => {
      appender.appendInteger(i);
      appender.appendVarchar(file);
      appender.endRow();
    });
    appender.closeSync();
    t = performance.now();
    await connection.run(
      `CREATE TEMP TABLE rows AS ${eventRowsSelect({ path: scratchPath, placeholders })}`,
    );
    const transform = performance.now() - t;
    const out = path.join(task.scratchDir, 'out');
    t = performance.now();
    // The same COPY options as the ingest, reading the already-projected rows.
    await connection.run(copyRelationToParts('rows', out, 'p'));
    const write = performance.now() - t;
    return { events, stages: { prepare, transform, write } };
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(task.scratchDir, { recursive: true, force: true });
  }
}

export default async function runFloorTask(task: FloorTask): Promise<FloorResult> {
  if (task.mode === 'components') return components(task);
  const started = performance.now();
  let events = 0;
  for (const file of task.files) {
    const doc = gunzipSync(readFileSync(file));
    if (task.mode === 'parse')
      events += (JSON.parse(doc.toString()) as { Records: unknown[] }).Records.length;
  }
  return { events, stages: { [task.mode]: performance.now() - started } };
}
