/**
 * Queries announce themselves to writers: each holds a lease file in `readers/` for as long as
 * it runs. A writer removes the parts it retired (after a compaction or a rewrite) only while no
 * live lease exists; otherwise they stay on disk, outside the published part set, until a later
 * commit finds no reader. A query takes its lease before it reads the part set, so a part it may
 * read is never removed under it.
 *
 * A lease names its process; one whose process is gone (killed) is ignored and removed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isRunning } from '../util/process.js';
import type { LakeLayout } from './layout.js';

const LEASE_NAME = /^(\d+)-[0-9a-f]+\.lease$/;

/** A query's lease; `release` ends it (idempotent). */
export interface ReaderLease {
  release(): void;
}

/**
 * Takes a lease on the lake's parts. A lake the user may not write to (read-only media) gets no
 * lease: no ctlake can write to it either, so no part of it can be removed.
 */
export function takeReaderLease(layout: LakeLayout): ReaderLease {
  const file = path.join(
    layout.readersDir,
    `${String(process.pid)}-${randomBytes(6).toString('hex')}.lease`,
  );
  try {
    mkdirSync(layout.readersDir, { recursive: true });
    writeFileSync(file, '');
  } catch {
    return { release: () => undefined };
  }
  let held = true;
  return {
    release: () => {
      if (!held) return;
      held = false;
      rmSync(file, { force: true });
    },
  };
}

/** Whether a query of a running process holds a lease; leases of dead processes are removed. */
export async function hasLiveReaders(layout: LakeLayout): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(layout.readersDir);
  } catch {
    return false;
  }
  let live = false;
  for (const name of names) {
    const pid = Number(LEASE_NAME.exec(name)?.[1] ?? 0);
    if (pid > 0 && isRunning(pid)) live = true;
    else if (pid > 0) await rm(path.join(layout.readersDir, name), { force: true });
  }
  return live;
}
