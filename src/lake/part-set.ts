/**
 * The lake's published part set (`parts.json`): the live Parquet parts a query reads, listed by
 * the writer after every commit and swapped in whole (written aside, then renamed over the old
 * list). A query reads this list instead of globbing `events/`, so it sees one consistent set of
 * parts: never a compacted day beside the parts it replaces, nor a rewritten part beside its
 * original. The catalog stays the truth; the list is derived from it and rewritten whenever the
 * catalog is opened for writing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CtlakeError } from '../errors.js';
import type { LakeLayout } from './layout.js';

const FORMAT = 'ctlake-part-set/1';

interface PartSetFile {
  readonly format: string;
  /** Paths under `events/`. */
  readonly parts: readonly string[];
}

/** Publishes `parts` (paths under `events/`) as the set queries read, atomically. */
export async function publishPartSet(layout: LakeLayout, parts: readonly string[]): Promise<void> {
  const file: PartSetFile = { format: FORMAT, parts: [...parts].sort() };
  const aside = `${layout.partSetPath}.${String(process.pid)}.tmp`;
  await writeFile(aside, JSON.stringify(file, null, 1) + '\n');
  await rename(aside, layout.partSetPath);
}

/**
 * The part files a query reads, as absolute paths. A lake written before part sets existed has
 * none until its next ingest or compact: its `events/` folder is listed instead.
 */
export function readPartSet(layout: LakeLayout): string[] {
  if (!existsSync(layout.partSetPath)) {
    if (!existsSync(layout.eventsDir)) return [];
    return readdirSync(layout.eventsDir, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.parquet'))
      .sort()
      .map((name) => path.join(layout.eventsDir, name));
  }
  const damaged = (why: string, cause?: unknown): CtlakeError =>
    new CtlakeError(
      'LAKE_INVALID',
      `lake ${layout.root} is damaged: ${layout.partSetPath} ${why} (an ingest or compact rewrites it)`,
      { cause },
    );
  let file: Partial<PartSetFile>;
  try {
    file = JSON.parse(readFileSync(layout.partSetPath, 'utf8')) as Partial<PartSetFile>;
  } catch (error) {
    throw damaged('is not readable JSON', error);
  }
  if (file.format !== FORMAT || !Array.isArray(file.parts)) {
    throw damaged(`is not a part set this ctlake reads (format ${JSON.stringify(file.format)})`);
  }
  return file.parts.map((part: unknown) => {
    if (typeof part !== 'string' || !isPartPath(part)) {
      throw damaged(`lists ${JSON.stringify(part)}, which is not a part under events/`);
    }
    return path.join(layout.eventsDir, part);
  });
}

/** `event_date=…/name.parquet`, relative and inside events/. */
function isPartPath(part: string): boolean {
  return (
    part.endsWith('.parquet') &&
    !path.isAbsolute(part) &&
    !part.split(/[\\/]/).some((segment) => segment === '..' || segment === '')
  );
}
