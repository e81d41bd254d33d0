/**
 * The findings of the last complete `ctlake detect` run (every built-in pack, default learning
 * days), kept beside the lake as `findings.json` with the part set they were computed on. An
 * investigation then shows the findings around an entity without running every detection again,
 * as Detective shows GuardDuty's: valid only while the lake holds exactly those parts (parts are
 * immutable, so their names identify the data) and the run's window covers the scope. A
 * compaction, which rewrites parts but no row, restamps them (lake/part-stamp.ts).
 */
import { readFileSync } from 'node:fs';
import { lakeLayout } from '../lake/layout.js';
import { currentStamp, replaceFile } from '../lake/part-stamp.js';
import type { Evidence, Finding } from './finding.js';

/**
 * Version 2 lists each finding's evidence as `[eventID, eventTime, object, recordIndex]` rows,
 * `object` an index into `objects` (a lake's 4,645 findings held 309,241 evidence events from
 * 8,109 objects): 84 MB as version 1's objects, 27 MB so, read and parsed in half the time.
 */
const FORMAT = 'ctlake-findings/2';

type EvidenceRow = readonly [string | null, string | null, number, number];
type StoredFinding = Omit<Finding, 'events'> & { readonly events: readonly EvidenceRow[] };

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
  return lakeLayout(lakeDir).findingsPath;
}

/** The lake's data as it is now: its live parts, by name. */
export function partSetFingerprint(lakeDir: string): string {
  return currentStamp(lakeLayout(lakeDir));
}

export async function saveFindings(
  lakeDir: string,
  saved: Omit<SavedFindings, 'format'>,
): Promise<void> {
  const objects = new Map<string, number>();
  const objectIndex = (uri: string): number => {
    let i = objects.get(uri);
    if (i === undefined) objects.set(uri, (i = objects.size));
    return i;
  };
  const findings: StoredFinding[] = saved.findings.map((f) => ({
    ...f,
    events: f.events.map((e): EvidenceRow => [
      e.eventID,
      e.eventTime,
      objectIndex(e.sourceObject),
      e.recordIndex,
    ]),
  }));
  await replaceFile(
    findingsPath(lakeDir),
    JSON.stringify({ format: FORMAT, ...saved, objects: [...objects.keys()], findings }),
  );
}

/** The saved findings, when they were computed on the lake as it is and cover [since, until). */
export function savedFindingsFor(
  lakeDir: string,
  since: number,
  until: number,
  learningDays: number,
): readonly Finding[] | undefined {
  let saved: Partial<Omit<SavedFindings, 'findings'>> & {
    readonly objects?: readonly string[];
    readonly findings?: readonly StoredFinding[];
  };
  try {
    saved = JSON.parse(readFileSync(findingsPath(lakeDir), 'utf8')) as typeof saved;
  } catch {
    return undefined;
  }
  const { objects, findings } = saved;
  if (saved.format !== FORMAT || findings === undefined || objects === undefined) {
    return undefined;
  }
  if (saved.learningDays !== learningDays || saved.partSet !== partSetFingerprint(lakeDir))
    return undefined;
  if (saved.since !== undefined && Date.parse(saved.since) > since) return undefined;
  if (saved.until !== undefined && Date.parse(saved.until) < until) return undefined;
  try {
    return findings.map((f) => ({
      ...f,
      events: f.events.map(([eventID, eventTime, object, recordIndex]): Evidence => ({
        eventID,
        eventTime,
        sourceObject: objects[object] ?? '',
        recordIndex,
      })),
    }));
  } catch {
    // A file of another shape (changed by hand) is as unusable as an unreadable one.
    return undefined;
  }
}
