/**
 * Whether `day` (YYYY-MM-DD) names a day that exists. Date.parse reads 2026-02-30 as 2 March;
 * a day that does not exist is a typo, and DuckDB refuses it too.
 */
export function isCalendarDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}
