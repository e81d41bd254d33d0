/**
 * A DuckDB TIMESTAMP as it comes back in text (`2026-03-01 12:00:00.123`, UTC in the lake) or
 * as ISO text already, written as CloudTrail writes eventTime: ISO 8601 UTC to the second.
 */
export function isoSecondsFromTimestamp(text: string): string {
  return `${text.replace(' ', 'T').replace(/(\.\d+)?Z?$/, '')}Z`;
}
