/**
 * How the detectors run their queries: all on one view of the lake (the same parts throughout,
 * opened once), each through the query layer (translation, sandbox, bound parameters,
 * read-only lake), with no time limit of their own — a detection over a large lake is a few
 * long scans — and stopped by the caller's signal.
 */
import { querySession, type SessionStreamRunner } from '../query/run-query.js';
import type { QueryLimits } from '../defaults.js';
import type { LakeRunner } from './lake-rows.js';

export async function inLake<T>(
  lakeDir: string,
  signal: AbortSignal | undefined,
  work: (run: LakeRunner, stream: SessionStreamRunner) => Promise<T>,
  limits?: QueryLimits,
): Promise<T> {
  return querySession(
    {
      lakeDir,
      ...(signal === undefined ? {} : { signal }),
      ...(limits === undefined ? {} : { limits }),
    },
    (run, _, stream) => work(run, stream),
  );
}
