/**
 * The finding contract of `ctlake detect`: what every rule kind (an event rule, a replayed
 * alarm, a first-seen anomaly) reports, in one shape that the output formats (formats.ts), the
 * CI gate (`--fail-on`) and the report share. Keys and meanings are the contract; they
 * are the library's public types.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type FindingKind = 'event' | 'alarm' | 'anomaly';

/** One event a finding rests on, and where to find its original record. */
export interface Evidence {
  readonly eventID: string | null;
  /** ISO 8601 UTC. */
  readonly eventTime: string | null;
  /** The file path or s3:// URI of the object the record came from. */
  readonly sourceObject: string;
  /** The record's position in the object's Records array (from 0). */
  readonly recordIndex: number;
}

/** At most this many evidence events are listed per finding; `eventCount` counts them all. */
export const MAX_EVIDENCE = 100;

export interface Finding {
  /** The rule's id (a Sigma id, a pack rule id, an alarm name, `anomaly-first-region`…). */
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity;
  readonly kind: FindingKind;
  /** ISO 8601 UTC: the first event's time, or the alarm transition's time. */
  readonly time: string;
  /** The caller's ARN (an assumed role's session ARN), else its principalId or invokedBy. */
  readonly principal: string | null;
  readonly accountId: string | null;
  readonly region: string | null;
  readonly eventSource: string | null;
  readonly eventName: string | null;
  /** How many events the finding covers (evidence lists the first MAX_EVIDENCE). */
  readonly eventCount: number;
  readonly events: readonly Evidence[];
  /** Kind-specific facts: an alarm's state change, an anomaly's dimension and baseline. */
  readonly details: Readonly<Record<string, unknown>>;
  /** MITRE ATT&CK technique ids (`T1562.008`), or none. */
  readonly mitre: readonly string[];
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text);
}

/** ATT&CK technique ids from Sigma-style tags (`attack.t1562.008` → `T1562.008`). */
export function mitreFromTags(tags: readonly string[]): string[] {
  const ids = tags
    .map((tag) => /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(tag.trim())?.[1]?.toUpperCase())
    .filter((id): id is string => id !== undefined);
  return [...new Set(ids)];
}

/** Most severe first, then by time, rule and the rest: the order every format prints. */
export function compareFindings(a: Finding, b: Finding): number {
  const first = (f: Finding): string => {
    const e = f.events[0];
    return e === undefined
      ? ''
      : `${e.sourceObject}\u0000${String(e.recordIndex).padStart(12, '0')}`;
  };
  // Every key, so that two runs over the same lake list the findings in the same order.
  const keys = (f: Finding): readonly string[] => [
    f.time,
    f.rule,
    f.principal ?? '',
    f.accountId ?? '',
    f.region ?? '',
    f.eventSource ?? '',
    f.eventName ?? '',
    f.kind,
    first(f),
  ];
  const ka = keys(a);
  const kb = keys(b);
  let order = severityRank(b.severity) - severityRank(a.severity);
  for (let i = 0; order === 0 && i < ka.length; i++) {
    const x = ka[i] as string;
    const y = kb[i] as string;
    order = x < y ? -1 : x > y ? 1 : 0;
  }
  return order;
}
