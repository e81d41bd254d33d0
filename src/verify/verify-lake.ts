/**
 * `ctlake verify --lake DIR`: the lake checked against its own catalog. Every part the catalog
 * lists must be in `events/`, with the size and SHA-256 recorded when it was committed; a Parquet
 * file the catalog does not list is a stray (queries never read it, but it should not be there).
 * Then the rows: the live parts that are intact are counted per source object and compared with
 * the events the catalog recorded for each object, which names every object (and so every row)
 * a damaged or deleted part took away. A part deleted by hand otherwise goes unnoticed: queries
 * silently see fewer rows.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { readerPaths } from '../duckdb/file-path.js';
import { CtlakeError } from '../errors.js';
import { Catalog, type ObjectVerification } from '../lake/catalog.js';
import { lakeLayout } from '../lake/layout.js';
import { mapConcurrent } from '../util/concurrency.js';
import { sha256File } from '../util/file-hash.js';

export interface PartProblem {
  /** Path under events/. */
  readonly part: string;
  readonly reason: string;
}

export interface AffectedObject {
  readonly uri: string;
  /** Events the catalog recorded for it. */
  readonly events: number;
  /** Its rows the intact parts hold. */
  readonly rowsPresent: number;
}

export interface LakeVerification {
  readonly lake: string;
  readonly parts: {
    readonly valid: number;
    readonly changed: PartProblem[];
    readonly missing: string[];
    readonly stray: string[];
    /** Parts committed before ctlake recorded part hashes: present, but not checkable. */
    readonly unrecorded: number;
  };
  readonly objects: {
    readonly total: number;
    readonly affected: AffectedObject[];
  };
}

export interface VerifyLakeResult {
  readonly report: LakeVerification;
  readonly ok: boolean;
}

async function strayParts(eventsDir: string, listed: ReadonlySet<string>): Promise<string[]> {
  const names = await readdir(eventsDir, { recursive: true }).catch(() => []);
  return names
    .map(String)
    .filter((name) => name.endsWith('.parquet') && !listed.has(name))
    .sort();
}

async function rowsPerObject(parts: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (parts.length === 0) return counts;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT "sourceObject" AS uri, count(*) AS n FROM read_parquet(${readerPaths(parts)}, hive_partitioning = false) GROUP BY ALL`,
    );
    for (const row of reader.getRowObjectsJS()) counts.set(row['uri'] as string, Number(row['n']));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return counts;
}

/**
 * Checks the lake at `lakeDir`; `verdicts` (from verifying the archive it was ingested from) are
 * recorded in its catalog and published with its objects.
 */
export async function verifyLake(
  lakeDir: string,
  verdicts?: ReadonlyMap<string, ObjectVerification>,
): Promise<VerifyLakeResult> {
  const layout = lakeLayout(lakeDir);
  if (!existsSync(layout.catalogPath)) {
    throw new CtlakeError('LAKE_INVALID', `no lake at ${layout.root} (no catalog.duckdb)`);
  }
  const catalog = await Catalog.open(layout);
  try {
    const recorded = await catalog.recordedParts();
    const changed: PartProblem[] = [];
    const missing: string[] = [];
    const intact: string[] = [];
    let unrecorded = 0;
    await mapConcurrent(recorded, 4, async (part) => {
      const file = path.join(layout.eventsDir, part.part);
      const info = await stat(file).catch(() => undefined);
      if (!info) {
        missing.push(part.part);
        return;
      }
      if (part.sha256 === undefined) {
        unrecorded++;
        intact.push(file);
        return;
      }
      if (info.size !== part.bytes) {
        changed.push({
          part: part.part,
          reason: `${String(info.size)} bytes, but ${String(part.bytes)} were committed`,
        });
        return;
      }
      const sha256 = await sha256File(file);
      if (sha256 !== part.sha256) {
        changed.push({
          part: part.part,
          reason: `SHA-256 ${sha256}, but ${part.sha256} was committed`,
        });
        return;
      }
      intact.push(file);
    });
    const stray = await strayParts(layout.eventsDir, new Set(recorded.map((p) => p.part)));
    const objects = await catalog.knownObjects();
    const present = await rowsPerObject(intact.sort());
    const affected: AffectedObject[] = [];
    for (const [uri, object] of objects) {
      const rows = present.get(uri) ?? 0;
      if (rows !== object.events) affected.push({ uri, events: object.events, rowsPresent: rows });
    }
    affected.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
    if (verdicts !== undefined) await catalog.recordVerifications(verdicts);
    await catalog.publishObjects();
    const report: LakeVerification = {
      lake: layout.root,
      parts: {
        valid: intact.length - unrecorded,
        changed: changed.sort((a, b) => (a.part < b.part ? -1 : 1)),
        missing: missing.sort(),
        stray,
        unrecorded,
      },
      objects: { total: objects.size, affected },
    };
    const ok =
      changed.length === 0 && missing.length === 0 && stray.length === 0 && affected.length === 0;
    return { report, ok };
  } finally {
    catalog.close();
  }
}
