/**
 * How the detectors run their queries: each through the query layer (translation, sandbox,
 * bound parameters, read-only lake), with no time limit of their own — a detection over a large
 * lake is a few long scans — and stopped by the caller's signal.
 */
import { query } from '../query/run-query.js';
import type { LakeRunner } from './lake-rows.js';

export async function inLake<T>(
  lakeDir: string,
  signal: AbortSignal | undefined,
  work: (run: LakeRunner) => Promise<T>,
): Promise<T> {
  const run: LakeRunner = async (sql, params = {}) =>
    (
      await query({
        lakeDir,
        source: { kind: 'text', sql },
        params,
        timeoutSeconds: 0,
        ...(signal === undefined ? {} : { signal }),
      })
    ).rows;
  return work(run);
}
