/**
 * What the detectors share to read the lake: how they run a query (through the query layer's
 * sandbox, in one session), the detection window as a condition, and evidence rows as the
 * finding contract's Evidence.
 */
import type { Evidence } from './finding.js';

/** The caller, as the finding contract defines `principal`. */
export const PRINCIPAL_SQL = `coalesce("userIdentity"."arn", "userIdentity"."principalId", "userIdentity"."invokedBy")`;
/** The account an event happened in. */
export const ACCOUNT_SQL = `coalesce("recipientAccountId", "userIdentity"."accountId")`;

export type LakeRow = Readonly<Record<string, unknown>>;

/** Runs one read-only query on the lake with bound `${name}` parameters. */
export type LakeRunner = (
  sql: string,
  params?: Readonly<Record<string, string>>,
) => Promise<readonly LakeRow[]>;

/** The detection window, ISO 8601 instants; either end may be open. */
export interface DetectionWindow {
  readonly since?: string;
  readonly until?: string;
}

/** An instant as the lake's UTC TIMESTAMP text (`2026-03-01 00:00:00.000`). */
export function timestampText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** `since <= eventTime < until`, adding its parameters to `params`; '' when both are open. */
export function windowCondition(window: DetectionWindow, params: Record<string, string>): string {
  const parts: string[] = [];
  if (window.since !== undefined) {
    params['window_since'] = timestampText(Date.parse(window.since));
    parts.push(`"eventTime" >= CAST(\${window_since} AS TIMESTAMP)`);
  }
  if (window.until !== undefined) {
    params['window_until'] = timestampText(Date.parse(window.until));
    parts.push(`"eventTime" < CAST(\${window_until} AS TIMESTAMP)`);
  }
  return parts.join(' AND ');
}

/**
 * An event's evidence as a struct: the shape `rowEvidence` reads back. Its fields are in the
 * events' total order — time, then where the event was read — so that the struct itself orders
 * events: `min(evidence, n)` is the first n events and `arg_min(x, evidence)` the first event's x.
 * Time alone ties (CloudTrail writes whole seconds), and which of the tied events DuckDB kept
 * then changed from run to run, and a finding's principal or region with it.
 */
export const EVIDENCE_SQL = `{eventTime: "eventTime", sourceObject: "sourceObject", recordIndex: "recordIndex", eventID: "eventID"}`;

/** The lake's event names that fit any of `patterns` (regular expression sources). */
export function namesMatching(
  lakeNames: readonly string[],
  patterns: readonly string[],
  flags = '',
): string[] {
  const regexes = patterns.map((source) => new RegExp(source, flags));
  return lakeNames.filter((name) => regexes.some((re) => re.test(name)));
}

/** A query cell as text: strings, numbers and times as they are, anything else as JSON. */
export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  return JSON.stringify(value);
}

/** A list of `{eventID, eventTime, sourceObject, recordIndex}` structs from a query row. */
export function rowEvidence(value: unknown): Evidence[] {
  if (!Array.isArray(value)) return [];
  return value.map((item: Readonly<Record<string, unknown>>) => ({
    eventID: cellText(item['eventID']),
    eventTime: cellText(item['eventTime']),
    sourceObject: cellText(item['sourceObject']) ?? '',
    recordIndex: Number(item['recordIndex']),
  }));
}

/** An instant as ISO 8601 UTC to the second, as CloudTrail writes eventTime. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** The event names in the window, as the lake spells them (a scan of one small column). */
export async function lakeEventNames(window: DetectionWindow, run: LakeRunner): Promise<string[]> {
  const params: Record<string, string> = {};
  const where = windowCondition(window, params);
  const rows = await run(
    `SELECT DISTINCT "eventName" AS name FROM cloudtrail WHERE "eventName" IS NOT NULL${where === '' ? '' : ` AND ${where}`}`,
    params,
  );
  return rows.map((row) => cellText(row['name']) ?? '');
}

/** The lake's first and last event times, epoch milliseconds (NaN for an empty lake). */
export interface LakeTimeRange {
  readonly first: number;
  readonly last: number;
}

export async function lakeTimeRange(run: LakeRunner): Promise<LakeTimeRange> {
  const [row] = await run(
    `SELECT epoch_ms(min("eventTime")) AS first, epoch_ms(max("eventTime")) AS last FROM cloudtrail`,
  );
  return { first: Number(row?.['first'] ?? NaN), last: Number(row?.['last'] ?? NaN) };
}

/** What a detector may be handed instead of asking the lake again. */
export interface LakeFacts {
  readonly eventNames?: readonly string[];
  readonly range?: LakeTimeRange;
}
