/**
 * The lake directory: `catalog.duckdb` (what was ingested, errors, runs), `events/` (Hive-
 * partitioned Parquet, the only thing queries read), `parts.json` (the live parts queries read:
 * part-set.ts), `findings.json` (the last complete detect run, stamped with the parts it read:
 * part-stamp.ts), `readers/` (the leases of running queries: reader-leases.ts) and `staging/`
 * (parts not yet committed, on the same filesystem so moving a part into `events/` is an atomic
 * rename).
 */
import path from 'node:path';

export interface LakeLayout {
  readonly root: string;
  readonly catalogPath: string;
  readonly eventsDir: string;
  readonly stagingDir: string;
  readonly partSetPath: string;
  readonly findingsPath: string;
  readonly readersDir: string;
  readonly objectsPath: string;
}

export function lakeLayout(root: string): LakeLayout {
  const absolute = path.resolve(root);
  return {
    root: absolute,
    catalogPath: path.join(absolute, 'catalog.duckdb'),
    eventsDir: path.join(absolute, 'events'),
    stagingDir: path.join(absolute, 'staging'),
    partSetPath: path.join(absolute, 'parts.json'),
    findingsPath: path.join(absolute, 'findings.json'),
    readersDir: path.join(absolute, 'readers'),
    objectsPath: path.join(absolute, 'objects.parquet'),
  };
}
