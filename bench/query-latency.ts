/**
 * How long each named query takes on a lake, in one process (no CLI start-up): the default
 * parameters, except the look-back windows, which reach the archive's first day.
 */
import type { ArchiveManifest } from '../fixtures/generator/archive.js';
import { translateQuery } from '../src/query/dialect/translate.js';
import { LakeDatabase } from '../src/query/lake-database.js';
import { loadNamedQueries, namedQueryValues } from '../src/query/named-queries.js';
import { median } from './bench-run.js';

export interface QueryLatency {
  readonly name: string;
  readonly p50: number;
  readonly p95: number;
  readonly rows: number;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

/**
 * Values for the named queries' look-back windows (`hours`, `days`) that reach the archive's first
 * event. The defaults look back from now, so on an archive cached since an earlier day they would
 * select fewer events every day and the latencies would drift with the archive's age.
 */
function windowParameters(manifest: ArchiveManifest): Record<string, string> {
  const start = new Date(manifest.end).getTime() - manifest.days * 24 * 3600_000;
  const hours = Math.ceil((Date.now() - start) / 3600_000);
  return { hours: String(hours), days: String(Math.ceil(hours / 24)) };
}

/** Every named query `runs` times on one session of the lake: p50, p95 and its row count. */
export async function queryLatencies(
  lake: string,
  manifest: ArchiveManifest,
  runs: number,
  reading?: { readonly metadataCache: boolean },
): Promise<QueryLatency[]> {
  const db = await LakeDatabase.open(lake, undefined, undefined, reading);
  try {
    const out = [];
    const windows = windowParameters(manifest);
    for (const query of loadNamedQueries()) {
      const translated = await translateQuery(db.connection, query.sql);
      const declared = new Set(query.parameters.map((p) => p.name));
      const { values: all, types: allTypes } = namedQueryValues(
        query,
        Object.fromEntries(Object.entries(windows).filter(([name]) => declared.has(name))),
      );
      const params = Object.fromEntries(translated.parameters.map((p) => [p, all[p] ?? null]));
      const types = Object.fromEntries(
        translated.parameters
          .map((p) => [p, allTypes[p]])
          .filter((e): e is [string, NonNullable<(typeof allTypes)[string]>] => e[1] !== undefined),
      );
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        const reader = await db.connection.runAndReadAll(translated.sql, params, types);
        rows = reader.currentRowCount;
        times.push(performance.now() - started);
      }
      out.push({ name: query.name, p50: median(times), p95: percentile(times, 95), rows });
    }
    return out;
  } finally {
    db.close();
  }
}
