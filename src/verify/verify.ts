/**
 * `verify()`: an archive against its digests, a lake against its catalog, or both — the
 * archive's verdicts are then recorded in the lake, so `cloudtrail_objects` says which rows come
 * from files a signed digest vouches for.
 */
import { UsageError } from '../errors.js';
import {
  type ArchiveVerification,
  verifyArchive,
  type VerifyArchiveOptions,
} from './verify-archive.js';
import { type LakeVerification, verifyLake } from './verify-lake.js';

export interface VerifyOptions extends Omit<VerifyArchiveOptions, 'sources' | 'publicKeys'> {
  /** Archives to verify; none to check only the lake. */
  readonly sources?: readonly string[];
  readonly publicKeys?: readonly string[];
  /** A lake to check, and to record the archive's verdicts in. */
  readonly lakeDir?: string;
}

export interface Verification {
  readonly archive?: ArchiveVerification;
  readonly lake?: LakeVerification;
  /** Everything checked holds: exit status 0. */
  readonly ok: boolean;
}

export async function verify(options: VerifyOptions): Promise<Verification> {
  const sources = options.sources ?? [];
  if (sources.length === 0 && options.lakeDir === undefined) {
    throw new UsageError('give an archive to verify (a directory or s3:// prefix), or --lake DIR');
  }
  let ok = true;
  let archive: ArchiveVerification | undefined;
  let verdicts;
  if (sources.length > 0) {
    const result = await verifyArchive({
      ...options,
      sources,
      publicKeys: options.publicKeys ?? [],
    });
    archive = result.report;
    verdicts = result.verdicts;
    ok &&= result.ok;
  }
  let lake: LakeVerification | undefined;
  if (options.lakeDir !== undefined) {
    const result = await verifyLake(options.lakeDir, verdicts);
    lake = result.report;
    ok &&= result.ok;
  }
  return { ...(archive ? { archive } : {}), ...(lake ? { lake } : {}), ok };
}
