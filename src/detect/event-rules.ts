/**
 * Event rules run together: one scan of the lake marks each event with the rules it matches
 * (every rule's condition is a column of the same SELECT), and the findings are grouped from
 * those marks in the same query — plain rules by principal, account, region and API; threshold
 * rules by their own keys and windows. Evidence is the first MAX_EVIDENCE events of a group,
 * chosen by `min_by`, so memory stays bounded however many events a rule matches.
 */
import type { Finding } from './finding.js';
import { MAX_EVIDENCE } from './finding.js';
import type { EventRule, GroupKey, Threshold } from './rules.js';
import {
  ACCOUNT_SQL,
  type DetectionWindow,
  type LakeRunner,
  cellText,
  PRINCIPAL_SQL,
  rowEvidence,
  windowCondition,
} from './lake-rows.js';

const GROUP_COLUMN: Readonly<Record<GroupKey, string>> = {
  principal: 'principal',
  accountId: '"accountId"',
  awsRegion: '"awsRegion"',
  sourceIPAddress: '"sourceIPAddress"',
  eventSource: '"eventSource"',
  eventName: '"eventName"',
  userAgent: '"userAgent"',
};

/** The finding columns every branch of the query selects, in order. */
const REPORTED: readonly GroupKey[] = [
  'principal',
  'accountId',
  'awsRegion',
  'eventSource',
  'eventName',
];

const EVIDENCE = `min_by(evidence, {t: "eventTime", o: evidence.sourceObject, i: evidence.recordIndex}, ${String(MAX_EVIDENCE)})`;

function plainBranch(indexes: readonly number[]): string {
  return `SELECT rule, ${REPORTED.map((k) => GROUP_COLUMN[k]).join(', ')}, CAST(NULL AS BIGINT) AS window_start, NULL AS distinct_counts,
  count(*) AS event_count, min("eventTime") AS first_time, max("eventTime") AS last_time, ${EVIDENCE} AS events
FROM m WHERE rule IN (${indexes.join(', ')})
GROUP BY ALL`;
}

function thresholdBranch(index: number, threshold: Threshold): string {
  const width = String(threshold.windowSeconds);
  const reported = REPORTED.map((key) =>
    threshold.by.includes(key)
      ? GROUP_COLUMN[key]
      : `arg_min(${GROUP_COLUMN[key]}, "eventTime") AS ${GROUP_COLUMN[key]}`,
  );
  const distinct = Object.entries(threshold.distinct).map(
    ([key, min]) => [GROUP_COLUMN[key as GroupKey], min] as const,
  );
  const having = [
    `count(*) >= ${String(threshold.events)}`,
    ...distinct.map(([column, min]) => `count(DISTINCT ${column}) >= ${String(min)}`),
  ];
  const counts =
    distinct.length === 0
      ? 'NULL'
      : `{${distinct.map(([column]) => `${column.replaceAll('"', '')}: count(DISTINCT ${column})`).join(', ')}}::JSON`;
  return `SELECT rule, ${reported.join(', ')}, (CAST(floor(epoch("eventTime")) AS BIGINT) // ${width}) * ${width} AS window_start, ${counts} AS distinct_counts,
  count(*) AS event_count, min("eventTime") AS first_time, max("eventTime") AS last_time, ${EVIDENCE} AS events
FROM m WHERE rule = ${String(index)}
GROUP BY rule, ${[...threshold.by.map((k) => GROUP_COLUMN[k]), 'window_start'].join(', ')}
HAVING ${having.join(' AND ')}`;
}

/** The one query of a set of event rules (at least one). */
export function eventRulesQuery(
  rules: readonly EventRule[],
  window: DetectionWindow,
): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const marks = rules.map((rule, i) => {
    Object.assign(params, rule.detection.params);
    return `CASE WHEN ${rule.detection.condition} THEN ${String(i)} END`;
  });
  const where = windowCondition(window, params);
  const plain = rules.flatMap((rule, i) => (rule.threshold === undefined ? [i] : []));
  const branches = [
    ...(plain.length > 0 ? [plainBranch(plain)] : []),
    ...rules.flatMap((rule, i) =>
      rule.threshold === undefined ? [] : [thresholdBranch(i, rule.threshold)],
    ),
  ];
  const sql = `WITH m AS MATERIALIZED (
  SELECT ${PRINCIPAL_SQL} AS principal, ${ACCOUNT_SQL} AS "accountId", "awsRegion", "eventSource", "eventName",
    "sourceIPAddress", "userAgent", "eventTime",
    {eventID: "eventID", eventTime: "eventTime", sourceObject: "sourceObject", recordIndex: "recordIndex"} AS evidence,
    unnest(list_filter([${marks.join(',\n      ')}], h -> h IS NOT NULL)) AS rule
  FROM cloudtrail${where === '' ? '' : ` WHERE ${where}`}
)
${branches.join('\nUNION ALL BY NAME\n')}`;
  return { sql, params };
}

export async function runEventRules(
  rules: readonly EventRule[],
  window: DetectionWindow,
  run: LakeRunner,
): Promise<Finding[]> {
  if (rules.length === 0) return [];
  const { sql, params } = eventRulesQuery(rules, window);
  const rows = await run(sql, params);
  return rows.map((row) => {
    const rule = rules[Number(row['rule'])] as EventRule;
    const text = (key: string): string | null => cellText(row[key]);
    const details: Record<string, unknown> = {
      lastTime: text('last_time'),
      ...(rule.author === undefined ? {} : { author: rule.author }),
      ...(rule.url === undefined ? {} : { ruleUrl: rule.url }),
    };
    if (rule.threshold !== undefined) {
      const start = Number(row['window_start']);
      details['windowStart'] = new Date(start * 1000).toISOString();
      details['windowEnd'] = new Date((start + rule.threshold.windowSeconds) * 1000).toISOString();
      details['threshold'] = {
        by: rule.threshold.by,
        events: rule.threshold.events,
        distinct: rule.threshold.distinct,
      };
      const counts = row['distinct_counts'];
      if (counts !== null && counts !== undefined) {
        details['distinctCounts'] =
          typeof counts === 'string' ? (JSON.parse(counts) as unknown) : counts;
      }
    }
    return {
      rule: rule.id,
      title: rule.title,
      severity: rule.severity,
      kind: 'event',
      time: text('first_time') ?? '',
      principal: text('principal'),
      accountId: text('accountId'),
      region: text('awsRegion'),
      eventSource: text('eventSource'),
      eventName: text('eventName'),
      eventCount: Number(row['event_count']),
      events: rowEvidence(row['events']),
      details,
      mitre: rule.mitre,
    } satisfies Finding;
  });
}
