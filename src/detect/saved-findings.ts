/**
 * The findings of the last complete `ctlake detect` run (every built-in pack, default learning
 * days), kept beside the lake as `findings.json` with the part set they were computed on. An
 * investigation then shows the findings around an entity without running every detection again,
 * as Detective shows GuardDuty's: valid only while the lake holds exactly those parts (parts are
 * immutable, so their names identify the data) and the run's window covers the scope.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lakeLayout } from '../lake/layout.js';
import { readPartSet } from '../lake/part-set.js';
import type { Finding } from './finding.js';

const FORMAT = 'ctlake-findings/1';

export interface SavedFindings {
  readonly format: string;
  /** SHA-256 of the live part list the findings were computed on. */
  readonly partSet: string;
  /** The detection window, ISO 8601; absent ends are open. */
  readonly since?: string;
  readonly until?: string;
  readonly learningDays: number;
  readonly findings: readonly Finding[];
}

function findingsPath(lakeDir: string): string {
  return path.join(lakeLayout(lakeDir).root, 'findings.json');
}

/** The lake's data as it is now: its live parts, by name. */
export function partSetFingerprint(lakeDir: string): string {
  const layout = lakeLayout(lakeDir);
  const parts = readPartSet(layout).map((p) => path.relative(layout.eventsDir, p));
  return createHash('sha256').update(parts.sort().join('\n')).digest('hex');
}

/** Written aside and renamed, so a reader sees the old findings or the new ones. */
export async function saveFindings(
  lakeDir: string,
  saved: Omit<SavedFindings, 'format'>,
): Promise<void> {
  const file = findingsPath(lakeDir);
  const aside = `${file}.${String(process.pid)}.tmp`;
  await writeFile(aside, JSON.stringify({ format: FORMAT, ...saved }));
  await rename(aside, file);
}

/** The saved findings, when they were computed on the lake as it is and cover [since, until). */
export function savedFindingsFor(
  lakeDir: string,
  since: number,
  until: number,
  learningDays: number,
): readonly Finding[] | undefined {
  let saved: Partial<SavedFindings>;
  try {
    saved = JSON.parse(readFileSync(findingsPath(lakeDir), 'utf8')) as Partial<SavedFindings>;
  } catch {
    return undefined;
  }
  if (saved.format !== FORMAT || !Array.isArray(saved.findings)) return undefined;
  if (saved.learningDays !== learningDays || saved.partSet !== partSetFingerprint(lakeDir))
    return undefined;
  if (saved.since !== undefined && Date.parse(saved.since) > since) return undefined;
  if (saved.until !== undefined && Date.parse(saved.until) < until) return undefined;
  return saved.findings as readonly Finding[];
}
