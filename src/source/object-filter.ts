/**
 * `--since/--until/--account/--region`: which objects an ingest reads, decided from the key
 * alone (CloudTrail's prefixes carry account, region and delivery day, and so do CloudTrail's
 * own file names outside the layout: see trail-key.ts). Objects that say none of these are
 * always read. The filter works on whole objects: rows just outside the window can come along,
 * and queries filter rows.
 */
import { UsageError } from '../errors.js';
import { isCalendarDay } from '../util/calendar-day.js';
import { ACCOUNT_ID, REGION_NAME, type TrailKey } from './trail-key.js';

export interface ObjectFilter {
  /** First delivery day to read, `YYYY-MM-DD`. */
  readonly sinceDay?: string;
  /** Last delivery day to read, `YYYY-MM-DD` (already widened by a day, see parseObjectFilter). */
  readonly untilDay?: string;
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
}

const DAY_MS = 86_400_000;

function dayOf(text: string, flag: string): Date {
  const isDay = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(isDay ? `${text}T00:00:00Z` : text);
  const date = new Date(ms);
  if (Number.isNaN(ms) || (isDay && !isCalendarDay(text))) {
    throw new UsageError(
      `${flag} ${text}: not a date or time (try 2024-05-09 or 2024-05-09T12:00:00Z)`,
    );
  }
  const year = date.getUTCFullYear();
  if (year < 1970 || year > 9998) throw new UsageError(`${flag} ${text}: year out of range`);
  return date;
}

function checked(
  values: readonly string[] | undefined,
  pattern: RegExp,
  flag: string,
  example: string,
): void {
  const bad = values?.find((v) => !pattern.test(v));
  if (bad !== undefined) throw new UsageError(`${flag} ${bad}: expected ${example}`);
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Which objects to read, as a user gives it (`--since`, `--until`, `--account`, `--region`). */
export interface ObjectSelection {
  /** A day (`2024-05-09`) or an ISO time: the first delivery day read. */
  readonly since?: string;
  /** A day or an ISO time: the last delivery day read (and the next, for late deliveries). */
  readonly until?: string;
  /** 12-digit account IDs. */
  readonly account?: readonly string[];
  /** CloudTrail region names. */
  readonly region?: readonly string[];
}

export function parseObjectFilter(flags: ObjectSelection): ObjectFilter {
  const since = flags.since === undefined ? undefined : dayOf(flags.since, '--since');
  const until = flags.until === undefined ? undefined : dayOf(flags.until, '--until');
  if (since && until && since > until) throw new UsageError('--since is after --until');
  checked(flags.account, ACCOUNT_ID, '--account', 'a 12-digit account ID');
  checked(flags.region, REGION_NAME, '--region', 'a region name such as us-east-1');
  return {
    ...(since ? { sinceDay: isoDay(since) } : {}),
    // CloudTrail delivers a file up to about 15 minutes after its events: an event at 23:59 on
    // the last day sits under the next day's prefix. A day read from a file name outside the
    // layout is a delivery day too (CloudTrail names the file by when it delivered it), so the
    // same widening holds for it.
    ...(until ? { untilDay: isoDay(new Date(until.getTime() + DAY_MS)) } : {}),
    ...(flags.account && flags.account.length > 0 ? { accounts: flags.account } : {}),
    ...(flags.region && flags.region.length > 0 ? { regions: flags.region } : {}),
  };
}

export function matchesFilter(key: TrailKey, filter: ObjectFilter): boolean {
  if (key.day !== undefined) {
    if (filter.sinceDay !== undefined && key.day < filter.sinceDay) return false;
    if (filter.untilDay !== undefined && key.day > filter.untilDay) return false;
  }
  if (filter.accounts && key.account !== undefined && !filter.accounts.includes(key.account))
    return false;
  if (filter.regions && key.region !== undefined && !filter.regions.includes(key.region))
    return false;
  return true;
}
