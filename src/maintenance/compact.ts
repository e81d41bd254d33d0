/**
 * `compact`: rewrites each day of the lake into one Parquet file whose rows are clustered by
 * (eventSource, eventName). Ingest writes parts in arrival order, so every row group holds every
 * service and a query for a few API calls decodes the wide columns (userIdentity, the maps) of
 * every row of the service; clustered, whole row groups are skipped by their min/max statistics.
 *
 * Memory stays bounded without a sort (a sort would carry eventJson): first, COPYs spread the
 * day's rows into one directory per (eventSource, eventName) pair, streaming, up to 64 pairs per
 * COPY; then one COPY reads those directories back in key order and writes them out in that
 * order, streaming too.
 *
 * Each day is committed on its own through the catalog (new part pending, old parts retired, in one
 * transaction), so an interrupted compaction leaves a consistent lake and is simply run again.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { isOutOfMemory } from '../duckdb/errors.js';
import { CtlakeError, UsageError, firstLine } from '../errors.js';
import {
  LAKE_PARQUET_CODEC,
  SCRATCH_PARQUET_OPTIONS,
  parquetCopyOptions,
} from '../duckdb/parquet.js';
import { literalGlob, readerPath, readerPaths } from '../duckdb/file-path.js';
import { quotedString } from '../duckdb/sql-text.js';
import { Catalog, type LivePart } from '../lake/catalog.js';
import { DEFAULT_COMPACT_MEMORY, DEFAULT_LAKE_DIR } from '../defaults.js';
import { lakeLayout } from '../lake/layout.js';
import { sha256File } from '../util/file-hash.js';
import { restampAfterRewrite } from '../lake/part-stamp.js';

/** Compacted parts are named so; a day holding only one of them is already compact. */
export const COMPACT_PREFIX = 'compact';

/**
 * (eventSource, eventName) pairs spread per pass: bounds the files one COPY keeps open. A day of
 * a busy account has a few dozen pairs, so it is read once; each further pass reads it again.
 */
const PAIRS_PER_PASS = 64;

/**
 * DuckDB's limit is on its buffers; the process peaks above it. These keep the peak near it
 * (bench/EXPERIMENTS.md, compaction within 1 GiB).
 */
const COMPACT_SETTINGS = {
  // Rows a spreading COPY holds per thread before they go to the pair files' writers. DuckDB's
  // default (524,288) holds all of a day of most lakes.
  partitioned_write_flush_threshold: '32768',
  // DuckDB's allocator keeps freed memory for reuse, so the rewrite starts on top of what the
  // spreading held. Large frees are returned to the system instead (costs some system time).
  allocator_bulk_deallocation_flush_threshold: '16MB',
} as const;

/** Rows per row group of a compacted part: small enough for statistics to skip most of a day. */
const COMPACT_ROW_GROUP_ROWS = 10_240;

export interface CompactOptions {
  /** The lake directory (default `ctlake-lake`). */
  readonly lakeDir?: string;
  readonly signal?: AbortSignal;
  /** DuckDB memory limit for the rewrite (DuckDB's size syntax). */
  readonly memoryLimit?: string;
}

export interface CompactSummary {
  readonly days: number;
  /** Parts the compacted days held before; each of them holds one now. */
  readonly partsBefore: number;
  readonly rows: number;
  readonly interrupted: boolean;
}

function isCompact(part: string): boolean {
  return path.basename(part).startsWith(`${COMPACT_PREFIX}-`);
}

/** The live parts of each day directory that needs compacting, by day directory. */
export function daysToCompact(parts: readonly LivePart[]): Map<string, LivePart[]> {
  const byDay = new Map<string, LivePart[]>();
  for (const part of parts) {
    const day = path.dirname(part.part);
    byDay.set(day, [...(byDay.get(day) ?? []), part]);
  }
  for (const [day, dayParts] of byDay) {
    if (dayParts.length === 1 && dayParts[0] && isCompact(dayParts[0].part)) byDay.delete(day);
  }
  return byDay;
}

async function compactDay(
  connection: DuckDBConnection,
  files: readonly string[],
  workDir: string,
  target: string,
): Promise<number> {
  const pairsDir = path.join(workDir, 'pairs');
  const source = readerPaths(files);
  const listed = await connection.runAndReadAll(
    `SELECT "eventSource" AS s, hash("eventSource", "eventName") AS pair
     FROM read_parquet(${source}, hive_partitioning = false)
     GROUP BY "eventSource", "eventName" ORDER BY "eventSource" NULLS FIRST, "eventName" NULLS FIRST`,
  );
  const pairs = listed.getRowsJS().map(([s, pair]) => ({
    source: typeof s === 'string' ? s : null,
    pair: typeof pair === 'bigint' ? pair : BigInt(Number(pair)),
  }));
  // A partitioned COPY keeps buffers for every pair it has open, and a day of a real trail has
  // hundreds of API calls: spread them a bounded number of pairs at a time. Each pass filters on
  // an eventSource range, which DuckDB applies in the scan.
  await connection.run(`SET preserve_insertion_order = false`);
  for (let i = 0; i < pairs.length; i += PAIRS_PER_PASS) {
    const chunk = pairs.slice(i, i + PAIRS_PER_PASS);
    const named = chunk.map((p) => p.source).filter((s): s is string => s !== null);
    const sources = [
      ...(named.length > 0 ? [`"eventSource" BETWEEN $1 AND $2`] : []),
      ...(named.length < chunk.length ? [`"eventSource" IS NULL`] : []),
    ];
    await connection.run(
      `COPY (SELECT *, hash("eventSource", "eventName") AS pair
             FROM read_parquet(${source}, hive_partitioning = false)
             WHERE (${sources.join(' OR ')})
               AND hash("eventSource", "eventName") IN (${chunk.map((p) => `${p.pair.toString()}::UBIGINT`).join(', ')}))
       TO ${quotedString(pairsDir)} (${parquetCopyOptions(SCRATCH_PARQUET_OPTIONS)},
         PARTITION_BY (pair), OVERWRITE_OR_IGNORE true,
         FILENAME_PATTERN ${quotedString(`p${String(i)}-{i}`)})`,
      named.length > 0 ? [named[0] ?? '', named[named.length - 1] ?? ''] : [],
    );
  }
  const dirs = [...new Set(pairs.map((p) => p.pair))].map(
    (pair) => `${literalGlob(path.join(pairsDir, `pair=${pair.toString()}`))}/*.parquet`,
  );
  // Reading the directories in key order and keeping that order writes the day clustered.
  await connection.run(`SET preserve_insertion_order = true`);
  await connection.run(
    `COPY (SELECT * FROM read_parquet([${dirs.map(quotedString).join(', ')}], hive_partitioning = false))
     TO ${quotedString(target)} (${parquetCopyOptions(LAKE_PARQUET_CODEC)},
       ROW_GROUP_SIZE ${COMPACT_ROW_GROUP_ROWS})`,
  );
  const counted = await connection.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM read_parquet(${readerPath(target)})`,
  );
  return Number(counted.getRowsJS()[0]?.[0] ?? 0);
}

/**
 * Rewrites each day of the lake that holds more than one part (or a part not yet compacted) into
 * one part clustered by (eventSource, eventName), committing day by day. Throws UsageError when
 * there is no lake at `lakeDir`, CtlakeError when a day cannot be compacted (that day is left
 * as it was).
 */
export async function compact(options: CompactOptions): Promise<CompactSummary> {
  const layout = lakeLayout(options.lakeDir ?? DEFAULT_LAKE_DIR);
  if (!existsSync(layout.catalogPath)) {
    throw new UsageError(`no lake at ${layout.root} (ctlake ingest creates one)`);
  }
  const catalog = await Catalog.open(layout);
  const runId = await catalog.beginRun('compact');
  const memoryLimit = options.memoryLimit ?? DEFAULT_COMPACT_MEMORY;
  const name = `${COMPACT_PREFIX}-r${String(runId)}`;
  const spillDir = path.join(layout.stagingDir, `${name}-tmp`);
  let running: DuckDBConnection | undefined;
  const onAbort = (): void => {
    running?.interrupt();
  };
  options.signal?.addEventListener('abort', onAbort);
  let done = 0;
  let partsBefore = 0;
  let rows = 0;
  const live = await catalog.liveParts();
  const days = daysToCompact(live);
  // For the saved findings' restamp: the parts before, those replaced, those written.
  const before = live.map((p) => p.part);
  const retired: string[] = [];
  const added: string[] = [];
  try {
    for (const [day, parts] of days) {
      if (options.signal?.aborted) break;
      const workDir = path.join(layout.stagingDir, `${name}-${path.basename(day)}`);
      await mkdir(workDir, { recursive: true });
      const staged = path.join(workDir, `${name}.parquet`);
      const lakePath = path.join(day, `${name}.parquet`);
      const expected = parts.reduce((n, p) => n + p.rows, 0);
      let written: number;
      // A DuckDB instance per day: closing it hands back what the allocator kept from the day
      // before, which otherwise adds up over a lake of large days.
      const instance = await DuckDBInstance.create(':memory:', {
        threads: String(os.availableParallelism()),
        memory_limit: memoryLimit,
        temp_directory: spillDir,
        ...COMPACT_SETTINGS,
      });
      try {
        running = await instance.connect();
        written = await compactDay(
          running,
          parts.map((p) => path.join(layout.eventsDir, p.part)),
          workDir,
          staged,
        );
      } catch (error) {
        if (options.signal?.aborted) break;
        if (isOutOfMemory(error)) {
          throw new CtlakeError(
            'OUT_OF_MEMORY',
            `compacting ${day} needs more memory than ${memoryLimit} (raise --memory): ${firstLine(error)}`,
            { cause: error },
          );
        }
        // A part missing or damaged (deleted or cut short by hand, a full disk): the day is left
        // as it was.
        throw new CtlakeError('LAKE_INVALID', `compacting ${day}: ${firstLine(error)}`, {
          cause: error,
        });
      } finally {
        running?.closeSync();
        running = undefined;
        instance.closeSync();
      }
      if (written !== expected) {
        throw new Error(`internal error: ${day} has ${expected} rows but compacted to ${written}`);
      }
      await catalog.commitTask({
        runId,
        parts: [
          {
            stagedPath: staged,
            lakePath,
            rows: written,
            bytes: (await stat(staged)).size,
            sha256: await sha256File(staged),
          },
        ],
        objects: [],
        failures: [],
        replaced: [],
        retire: parts.map((p) => p.part),
        stagingDir: workDir,
        partPrefix: name,
      });
      retired.push(...parts.map((p) => p.part));
      added.push(lakePath);
      await rm(workDir, { recursive: true, force: true });
      done++;
      partsBefore += parts.length;
      rows += written;
    }
    const interrupted = options.signal?.aborted ?? false;
    await catalog.finishRun(runId, interrupted ? 'interrupted' : 'done', {
      objects: 0,
      events: rows,
      bytes: 0,
      errors: 0,
    });
    return { days: done, partsBefore, rows, interrupted };
  } catch (error) {
    await catalog.finishRun(runId, 'failed', { objects: 0, events: rows, bytes: 0, errors: 1 });
    throw error;
  } finally {
    // The saved findings hold for the compacted days too (same rows); failing to restamp them
    // only means `detect` runs again, so it never fails the compaction.
    if (added.length > 0) {
      await restampAfterRewrite(layout, layout.findingsPath, { before, retired, added }).catch(
        () => false,
      );
    }
    options.signal?.removeEventListener('abort', onAbort);
    await rm(spillDir, { recursive: true, force: true });
    catalog.close();
  }
}
