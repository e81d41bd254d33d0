/**
 * Files of results computed from the lake (the saved findings) are stamped with the part set
 * they were computed on: parts are immutable, so their names identify the data, and a stamp that
 * still matches the live set says the results are still the lake's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LakeLayout } from './layout.js';
import { readPartSet } from './part-set.js';

/** A set of parts (paths under `events/`), by name. */
function fingerprintOf(parts: readonly string[]): string {
  return createHash('sha256')
    .update([...parts].sort().join('\n'))
    .digest('hex');
}

/** The lake's live parts, as paths under `events/`. */
function livePartNames(layout: LakeLayout): string[] {
  return readPartSet(layout).map((p) => path.relative(layout.eventsDir, p));
}

/** The stamp of the lake's data as it is now: its live parts, by name. */
export function currentStamp(layout: LakeLayout): string {
  return fingerprintOf(livePartNames(layout));
}

/** Written aside and renamed, so a reader sees the old file or the new one. */
export async function replaceFile(file: string, text: string): Promise<void> {
  // Two writers in one process (a library caller's compact and detect) get their own.
  const aside = `${file}.${String(process.pid)}-${randomUUID()}.tmp`;
  await writeFile(aside, text);
  await rename(aside, file);
}

/**
 * After a rewrite that replaced parts without adding, dropping or changing a row (compaction),
 * results stamped with the set it started from are still the lake's: `file` (a JSON object
 * with a `partSet` stamp) is restamped with the set the rewrite left — unless something else (an
 * ingest beside it) changed the lake meanwhile, or the stamp was already stale. Then it is left
 * to go stale, as any change to the lake makes it. Says whether it restamped.
 */
export async function restampAfterRewrite(
  layout: LakeLayout,
  file: string,
  rewrite: {
    readonly before: readonly string[];
    readonly retired: readonly string[];
    readonly added: readonly string[];
  },
): Promise<boolean> {
  let stamped: { partSet?: unknown };
  try {
    stamped = JSON.parse(readFileSync(file, 'utf8')) as typeof stamped;
  } catch {
    return false;
  }
  if (stamped.partSet !== fingerprintOf(rewrite.before)) return false;
  const retired = new Set(rewrite.retired);
  const after = fingerprintOf([...rewrite.before.filter((p) => !retired.has(p)), ...rewrite.added]);
  if (currentStamp(layout) !== after) return false;
  // A detect run saving between the read above and this write is overwritten by the run before
  // it, restamped: a run lost, never a wrong one (both hold for the lake's rows).
  await replaceFile(file, JSON.stringify({ ...stamped, partSet: after }));
  return true;
}
