/**
 * `--since/--until` of verify and investigate, as instants: a day means the whole day
 * (`--until 2024-05-09` reaches 2024-05-10T00:00:00Z, exclusive), an ISO time means itself.
 */
import { UsageError } from '../errors.js';
import { isCalendarDay } from './calendar-day.js';

export interface TimeScope {
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function instant(text: string, flag: string, endOfDay: boolean): Date {
  const isDay = DAY.test(text);
  const ms = Date.parse(isDay ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms) || (isDay && !isCalendarDay(text))) {
    throw new UsageError(
      `${flag} ${text}: not a date or time (try 2024-05-09 or 2024-05-09T12:00:00Z)`,
    );
  }
  return new Date(isDay && endOfDay ? ms + 86_400_000 : ms);
}

export function parseTimeScope(since?: string, until?: string): TimeScope {
  const from = since === undefined ? undefined : instant(since, '--since', false);
  const to = until === undefined ? undefined : instant(until, '--until', true);
  if (from && to && from >= to) throw new UsageError('--since is not before --until');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
