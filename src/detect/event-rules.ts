/**
 * Event rules run together, in one query whatever their number: the lake is scanned twice —
 * once for the rules whose detection implies a set of event names, reading only events with one
 * of those names (a hash join on the lower-cased name), once for the others — and each event is
 * marked with the rules it matches (every rule's condition is a column of the same SELECT). The
 * marked events stream into one aggregation whose group keys depend on the rule: a plain rule
 * groups by principal, account, region and API; a threshold rule by its own keys and window.
 * Evidence is the first MAX_EVIDENCE events of a group (in EVIDENCE_SQL's order), kept by `min`, so
 * memory stays bounded however many events a rule matches.
 */
import type { Finding } from './finding.js';
import { MAX_EVIDENCE } from './finding.js';
import { GROUP_KEYS, type EventRule, type GroupKey } from './rules.js';
import {
  ACCOUNT_SQL,
  cellText,
  EVIDENCE_SQL,
  namesMatching,
  isoSeconds,
  type DetectionWindow,
  type LakeRunner,
  PRINCIPAL_SQL,
  rowEvidence,
  windowCondition,
} from './lake-rows.js';

/** What a plain rule groups its events by: one finding per who, where and which API. */
const PLAIN_KEYS: readonly GroupKey[] = [
  'principal',
  'accountId',
  'awsRegion',
  'eventSource',
  'eventName',
];

const column = (key: GroupKey): string => `"${key}"`;

const MARKED_COLUMNS = `${PRINCIPAL_SQL} AS "principal", ${ACCOUNT_SQL} AS "accountId", "awsRegion", "eventSource", "eventName",
    "sourceIPAddress", "userAgent", "eventTime",
    ${EVIDENCE_SQL} AS evidence`;

/** A JSON list parameter read as a DuckDB list. */
const listParam = (name: string, type: string): string => `from_json(\${${name}}, '["${type}"]')`;

/**
 * The one query of a set of event rules (at least one). `lakeEventNames` are the event names
 * present in the window, as written in the lake: a rule whose detection implies a set of names
 * is tested only on events with one of them (spelled as the lake spells them, so the filter is
 * a plain IN list that lets the scan skip the row groups of other APIs in a compacted lake), and
 * a rule none of whose names occur is not run at all. Rules that read the record's JSON scan
 * apart, so that only their APIs' row groups pay for decoding it.
 */
export function eventRulesQuery(
  rules: readonly EventRule[],
  window: DetectionWindow,
  lakeEventNames: readonly string[],
): { sql: string; params: Record<string, string> } | undefined {
  const params: Record<string, string> = {};
  const mark = (i: number): string => {
    const rule = rules[i] as EventRule;
    Object.assign(params, rule.detection.params);
    return `CASE WHEN ${rule.detection.condition} THEN ${String(i)} END`;
  };
  const inWindow = windowCondition(window, params);
  const namesOf = (rule: EventRule): string[] =>
    namesMatching(lakeEventNames, rule.detection.eventNames ?? [], 'i');
  const readsJson = (rule: EventRule): boolean => rule.detection.condition.includes('"eventJson"');
  const groups: { rules: number[]; names?: string[] }[] = [];
  for (const json of [false, true]) {
    const named = rules.flatMap((rule, i) =>
      rule.detection.eventNames !== null && readsJson(rule) === json && namesOf(rule).length > 0
        ? [i]
        : [],
    );
    if (named.length > 0) {
      groups.push({
        rules: named,
        names: [...new Set(named.flatMap((i) => namesOf(rules[i] as EventRule)))].sort(),
      });
    }
  }
  const rest = rules.flatMap((rule, i) => (rule.detection.eventNames === null ? [i] : []));
  if (rest.length > 0) groups.push({ rules: rest });
  if (groups.length === 0) return undefined;
  let nameLists = 0;
  const scans = groups.map((group) => {
    const where = inWindow === '' ? [] : [inWindow];
    if (group.names !== undefined) {
      // A JSON list bound as one parameter: DuckDB joins on it by hash, where an IN list of
      // many parameters would be compared one by one on every event.
      const param = `event_names_${String(nameLists++)}`;
      params[param] = JSON.stringify(group.names);
      where.unshift(`"eventName" IN (SELECT unnest(${listParam(param, 'VARCHAR')}))`);
    }
    return `SELECT ${MARKED_COLUMNS},
    unnest(list_filter([${group.rules.map(mark).join(',\n      ')}], h -> h IS NOT NULL)) AS rule
  FROM cloudtrail${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}`;
  });

  // Per rule, indexed by the rule's number (an O(1) lookup on each marked event): which keys
  // it groups by, its window, its minimum count.
  const keysOf = (rule: EventRule): readonly GroupKey[] => rule.threshold?.by ?? PLAIN_KEYS;
  for (const key of GROUP_KEYS) {
    params[`rules_by_${key}`] = JSON.stringify(rules.map((rule) => keysOf(rule).includes(key)));
  }
  params['rule_windows'] = JSON.stringify(rules.map((r) => r.threshold?.windowSeconds ?? 0));
  params['rule_min_events'] = JSON.stringify(rules.map((r) => r.threshold?.events ?? 1));
  const distinctKeys = GROUP_KEYS.filter((key) =>
    rules.some((r) => r.threshold?.distinct[key] !== undefined),
  );
  // Distinct values are counted only for the rules that ask (a NULL adds nothing to a set).
  for (const key of distinctKeys) {
    params[`rules_distinct_${key}`] = JSON.stringify(
      rules.map((rule) => rule.threshold?.distinct[key] !== undefined),
    );
  }
  const distinctInputs = distinctKeys.map(
    (key) =>
      `CASE WHEN list_extract(${listParam(`rules_distinct_${key}`, 'BOOLEAN')}, rule + 1) THEN ${column(key)} END AS "distinct_${key}"`,
  );
  const keyed = GROUP_KEYS.map(
    (key) =>
      `CASE WHEN list_extract(${listParam(`rules_by_${key}`, 'BOOLEAN')}, rule + 1) THEN ${column(key)} END AS "by_${key}"`,
  );
  const width = `list_extract(${listParam('rule_windows', 'BIGINT')}, rule + 1)`;
  const sql = `SELECT rule, window_start, ${GROUP_KEYS.map((k) => `"by_${k}"`).join(', ')},
  count(*) AS event_count, min("eventTime") AS first_time, max("eventTime") AS last_time,
  arg_min({${PLAIN_KEYS.map((k) => `${column(k)}: ${column(k)}`).join(', ')}}, evidence) AS first_event,
  ${distinctKeys.map((k) => `count(DISTINCT "distinct_${k}") AS "distinct_${k}"`).join(', ')}${distinctKeys.length > 0 ? ',' : ''}
  min(evidence, ${String(MAX_EVIDENCE)}) AS events
FROM (
  SELECT *, ${[...keyed, ...distinctInputs].join(',\n    ')},
    CASE WHEN ${width} > 0 THEN (CAST(floor(epoch("eventTime")) AS BIGINT) // ${width}) * ${width} END AS window_start
  FROM (
  ${scans.join('\n  UNION ALL\n  ')}
  )
)
GROUP BY rule, window_start, ${GROUP_KEYS.map((k) => `"by_${k}"`).join(', ')}
HAVING count(*) >= list_extract(${listParam('rule_min_events', 'INTEGER')}, rule + 1)`;
  return { sql, params };
}

export async function runEventRules(
  rules: readonly EventRule[],
  window: DetectionWindow,
  lakeEventNames: readonly string[],
  run: LakeRunner,
): Promise<Finding[]> {
  const query = rules.length === 0 ? undefined : eventRulesQuery(rules, window, lakeEventNames);
  if (query === undefined) return [];
  const { sql, params } = query;
  const findings: Finding[] = [];
  for (const row of await run(sql, params)) {
    const rule = rules[Number(row['rule'])] as EventRule;
    const threshold = rule.threshold;
    const text = (key: string): string | null => cellText(row[key]);
    const first = (row['first_event'] ?? {}) as Readonly<Record<string, unknown>>;
    const firstText = (key: GroupKey): string | null => cellText(first[key]);
    const details: Record<string, unknown> = {
      lastTime: text('last_time'),
      ...(rule.author === undefined ? {} : { author: rule.author }),
      ...(rule.url === undefined ? {} : { ruleUrl: rule.url }),
    };
    if (threshold !== undefined) {
      const minimums = Object.entries(threshold.distinct);
      const counts: Record<string, number> = Object.fromEntries(
        minimums.map(([key]) => [key, Number(row[`distinct_${key}`])]),
      );
      if (minimums.some(([key, min]) => (counts[key] ?? 0) < min)) continue;
      const start = Number(row['window_start']);
      details['windowStart'] = isoSeconds(start * 1000);
      details['windowEnd'] = isoSeconds((start + threshold.windowSeconds) * 1000);
      details['threshold'] = {
        by: threshold.by,
        events: threshold.events,
        distinct: threshold.distinct,
      };
      if (Object.keys(counts).length > 0) details['distinctCounts'] = counts;
    }
    findings.push({
      rule: rule.id,
      title: rule.title,
      severity: rule.severity,
      kind: 'event',
      time: text('first_time') ?? '',
      principal: firstText('principal'),
      accountId: firstText('accountId'),
      region: firstText('awsRegion'),
      eventSource: firstText('eventSource'),
      eventName: firstText('eventName'),
      eventCount: Number(row['event_count']),
      events: rowEvidence(row['events']),
      details,
      mitre: rule.mitre,
    });
  }
  return findings;
}
