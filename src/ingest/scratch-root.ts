/**
 * Where an ingest keeps its workers' scratch files: `CTLAKE_SCRATCH_DIR` when set, else tmpfs
 * (`/dev/shm`) when the machine has one with room for every worker's batch, else the system's
 * temporary directory. (A container's /dev/shm is often 64 MB, less than one batch.)
 *
 * tmpfs is memory. An ingest that ends normally or on Ctrl-C removes its directory, but one that is
 * killed (kill -9, the OOM killer) cannot, and its scratch files (up to a batch's JSON per worker)
 * would hold RAM until the next reboot. So each directory is named after the process that owns it,
 * and every ingest first removes the directories whose process is gone.
 */
import { existsSync, statfsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CtlakeError, errnoReason } from '../errors.js';
import { isRunning } from '../util/process.js';
import { scratchBytesPerWorker } from './scratch-file.js';

const TMPFS = '/dev/shm';

/** `ctlake-<pid>-<random>`; directories of older versions (`ctlake-<random>`) do not match. */
const OWNED_NAME = /^ctlake-(\d+)-[^-]+$/;

/**
 * Room one worker's scratch may need: its scratch files at their bound (scratch-file.ts), and
 * DuckDB's spill files. A usual batch takes far less (~140 MB), but tmpfs is chosen only where
 * the bound fits, so that no input can fill the machine's memory.
 */
const SCRATCH_BYTES_PER_WORKER = scratchBytesPerWorker() + 256 * 1024 * 1024;

function freeBytes(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return 0;
  }
}

export function defaultScratchBase(workers = 1): string {
  const chosen = process.env['CTLAKE_SCRATCH_DIR'];
  if (chosen !== undefined && chosen !== '') return chosen;
  const tmpfsFits =
    existsSync(TMPFS) &&
    statSync(TMPFS).isDirectory() &&
    freeBytes(TMPFS) >= workers * SCRATCH_BYTES_PER_WORKER;
  return tmpfsFits ? TMPFS : os.tmpdir();
}

/** Scratch directories in `base` left by ctlake processes that no longer run. */
export async function orphanedScratchDirs(base: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      const pid = Number(OWNED_NAME.exec(name)?.[1] ?? 0);
      return pid > 0 && pid !== process.pid && !isRunning(pid);
    })
    .map((name) => path.join(base, name));
}

/** A new scratch directory owned by this process, after removing the orphaned ones. */
export async function makeScratchRoot(base: string): Promise<string> {
  for (const orphan of await orphanedScratchDirs(base)) {
    // Another user's directory, or one a concurrent ingest is removing too: not ours to insist on.
    await rm(orphan, { recursive: true, force: true }).catch(() => undefined);
  }
  return mkdtemp(path.join(base, `ctlake-${String(process.pid)}-`)).catch((error: unknown) => {
    throw new CtlakeError(
      'MACHINE_FAULT',
      `cannot make a scratch directory in ${base}: ${errnoReason(error)} (set CTLAKE_SCRATCH_DIR to another)`,
      { cause: error },
    );
  });
}
