/**
 * First-seen anomalies, as GuardDuty and Detective raise them: for each principal — an IAM user,
 * a role across all its sessions, a root account — the first use, inside the detection window,
 * of a region, an API (`eventSource:eventName`), a source network (an IPv4 /24, an IPv6 /48, or
 * the AWS service that called), or a user-agent family (`aws-cli`, `boto3`, `console`…), judged
 * against the principal's own history over the learning days before the window; and hours of
 * far more calls than the principal ever made in one hour of that history.
 *
 * Ranking, so that churn stays low and a compromise stands out: a lone novelty is low (a new
 * read-only API, or a new value of a dimension the principal already churns through — a CI
 * runner's addresses — is only info); novelties of different dimensions that share events (the
 * same calls came from a new network, with a new client, into a new region) corroborate each
 * other: two dimensions make each medium, three or more high. Sharing events, not merely a day,
 * keeps a principal's routine first-time call apart from an intruder's later session. A principal with too little
 * history (fewer than MIN_BASELINE_EVENTS) is not judged: everything would be new.
 */
import type { Finding, Severity } from './finding.js';
import { MAX_EVIDENCE } from './finding.js';
import {
  ACCOUNT_SQL,
  cellText,
  EVIDENCE_SQL,
  isoSeconds,
  type DetectionWindow,
  type LakeFacts,
  type LakeRow,
  lakeTimeRange,
  type LakeRunner,
  PRINCIPAL_SQL,
  rowEvidence,
  timestampText,
} from './lake-rows.js';

export type AnomalyDimension = 'region' | 'api' | 'sourceIp' | 'userAgent' | 'volume';

/** A principal needs this much history before anything it does can be "new". */
export const MIN_BASELINE_EVENTS = 20;
/** An hour is a volume anomaly at this many times the principal's busiest baseline hour… */
export const VOLUME_FACTOR = 3;
/** …and at least this many calls. */
export const VOLUME_MIN_EVENTS = 100;
/** At this many distinct values in the baseline, a dimension is churn for the principal. */
const CHURN: Readonly<Record<Exclude<AnomalyDimension, 'volume'>, number>> = {
  region: 8,
  api: Number.POSITIVE_INFINITY,
  sourceIp: 12,
  userAgent: 8,
};

const DAY_MS = 86_400_000;

/** The principal an anomaly is about: a role's ARN for all its sessions, else the caller. */
const ENTITY_SQL = `coalesce("userIdentity"."sessionContext"."sessionIssuer"."arn", "userIdentity"."arn", "userIdentity"."principalId")`;

const NETWORK_SQL = `CASE
      WHEN regexp_full_match("sourceIPAddress", '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN regexp_replace("sourceIPAddress", '\\.\\d{1,3}$', '.0/24')
      WHEN contains("sourceIPAddress", ':') THEN array_to_string(string_split("sourceIPAddress", ':')[1:3], ':') || '::/48'
      ELSE "sourceIPAddress" END`;

const AGENT_FAMILY_SQL = `nullif(lower(regexp_extract("userAgent", '^\\[?([^/\\s\\[\\]()]+)', 1)), '')`;

/** Events of principals (not AWS services acting for themselves) from `from` to `until`. */
const PRINCIPAL_EVENTS = (from: string): string => `FROM cloudtrail
  WHERE "eventTime" >= CAST(\${${from}} AS TIMESTAMP) AND "eventTime" < CAST(\${until} AS TIMESTAMP)
    AND coalesce("userIdentity"."type", '') <> 'AWSService' AND ${ENTITY_SQL} IS NOT NULL`;

const DIMENSIONS = `[{d: 'region', v: region}, {d: 'api', v: api}, {d: 'sourceIp', v: net}, {d: 'userAgent', v: agent}]`;

/**
 * First sightings in one scan: events are first reduced to their distinct combinations of
 * principal, region, API, network and client (far fewer than events), each with its first time
 * and its count in the baseline; a value is new when every combination holding it was first
 * seen inside the window. Principals with too little history are left out.
 */
const SINCE_HOUR = `CAST(floor(epoch(CAST(\${since} AS TIMESTAMP))) AS BIGINT) // 3600`;

/**
 * First sightings and hourly volumes in one scan: events are first reduced to their distinct
 * combinations of principal, hour, region, API, address and user agent (far fewer than events),
 * each with its first time and counts. A value is new when every combination holding it was
 * first seen inside the window; an hour is loud when its count is far above the principal's
 * busiest baseline hour. Principals with too little history are left out. Rows of both kinds
 * come back, told apart by `kind`.
 */
const NOVELTY_SQL = `WITH raw AS MATERIALIZED (
  SELECT ${ENTITY_SQL} AS entity, CAST(floor(epoch("eventTime")) AS BIGINT) // 3600 AS hour,
    "awsRegion", "eventSource", "eventName", "sourceIPAddress", "userAgent",
    min("eventTime") AS first_time, count(*) AS n,
    count(*) FILTER (WHERE "eventTime" < CAST(\${since} AS TIMESTAMP)) AS baseline_n
  ${PRINCIPAL_EVENTS('baseline_since')}
  GROUP BY ALL
),
combos AS (
  -- Networks and client families are derived once per distinct address and user agent, not
  -- once per event.
  SELECT entity, "awsRegion" AS region, "eventSource" || ':' || "eventName" AS api,
    ${NETWORK_SQL} AS net, ${AGENT_FAMILY_SQL} AS agent,
    min(first_time) AS first_time, sum(baseline_n) AS baseline_n
  FROM raw
  GROUP BY ALL
),
base AS (
  SELECT entity, sum(baseline_n) AS n,
    count(DISTINCT region) FILTER (WHERE baseline_n > 0) AS region,
    count(DISTINCT api) FILTER (WHERE baseline_n > 0) AS api,
    count(DISTINCT net) FILTER (WHERE baseline_n > 0) AS "sourceIp",
    count(DISTINCT agent) FILTER (WHERE baseline_n > 0) AS "userAgent"
  FROM combos GROUP BY entity HAVING sum(baseline_n) >= ${String(MIN_BASELINE_EVENTS)}
),
firsts AS (
  SELECT entity, dim.d AS dimension, dim.v AS value, min(first_time) AS first_time
  FROM (SELECT entity, first_time, unnest(${DIMENSIONS}) AS dim FROM combos WHERE entity IN (SELECT entity FROM base))
  WHERE dim.v IS NOT NULL
  GROUP BY ALL
  HAVING min(first_time) >= CAST(\${since} AS TIMESTAMP)
),
hours AS (SELECT entity, hour, sum(n) AS n FROM raw GROUP BY ALL),
busiest AS (
  SELECT entity, max(n) AS busiest FROM hours WHERE hour < ${SINCE_HOUR}
  GROUP BY entity HAVING sum(n) >= ${String(MIN_BASELINE_EVENTS)}
)
SELECT 'first' AS kind, f.entity, f.dimension, f.value, f.first_time,
  CASE f.dimension WHEN 'region' THEN b.region WHEN 'api' THEN b.api WHEN 'sourceIp' THEN b."sourceIp" ELSE b."userAgent" END AS baseline_distinct,
  b.n AS baseline_events, CAST(NULL AS BIGINT) AS hour, CAST(NULL AS HUGEINT) AS n, CAST(NULL AS HUGEINT) AS busiest
FROM firsts f JOIN base b USING (entity)
UNION ALL
SELECT 'volume', h.entity, NULL, NULL, NULL, NULL, NULL, h.hour, h.n, b.busiest
FROM hours h JOIN busiest b USING (entity)
WHERE h.hour >= ${SINCE_HOUR} AND h.n >= ${String(VOLUME_MIN_EVENTS)} AND h.n >= ${String(VOLUME_FACTOR)} * b.busiest`;

/** The window's events carrying each new value: who, where, how many, and the evidence. */
const NOVELTY_EVIDENCE_SQL = `WITH wanted AS (
  SELECT unnest(from_json(\${novelties}, '[{"entity":"VARCHAR","dimension":"VARCHAR","value":"VARCHAR"}]'), recursive := true)
),
w AS (
  SELECT ${ENTITY_SQL} AS entity, "eventTime", ${PRINCIPAL_SQL} AS principal, ${ACCOUNT_SQL} AS "accountId",
    "awsRegion", "eventSource", "eventName", "errorCode", "readOnly",
    ${EVIDENCE_SQL} AS evidence,
    unnest([{d: 'region', v: "awsRegion"}, {d: 'api', v: "eventSource" || ':' || "eventName"},
      {d: 'sourceIp', v: ${NETWORK_SQL}}, {d: 'userAgent', v: ${AGENT_FAMILY_SQL}}]) AS dim
  ${PRINCIPAL_EVENTS('since')}
    AND ${ENTITY_SQL} IN (SELECT entity FROM wanted)
)
SELECT wanted.entity, wanted.dimension, wanted.value, count(*) AS event_count,
  arg_min(w.principal, w.evidence) AS principal, arg_min(w."accountId", w.evidence) AS "accountId",
  arg_min(w."awsRegion", w.evidence) AS region, arg_min(w."eventSource", w.evidence) AS "eventSource",
  arg_min(w."eventName", w.evidence) AS "eventName",
  count(w."errorCode") AS errors, count(*) FILTER (WHERE NOT coalesce(w."readOnly", true)) AS writes,
  min(w.evidence, ${String(MAX_EVIDENCE)}) AS events
FROM w JOIN wanted ON w.entity = wanted.entity AND w.dim.d = wanted.dimension AND w.dim.v = wanted.value
GROUP BY ALL`;

const VOLUME_EVIDENCE_SQL = `SELECT ${ENTITY_SQL} AS entity, CAST(floor(epoch("eventTime")) AS BIGINT) // 3600 AS hour,
  arg_min(${PRINCIPAL_SQL}, ${EVIDENCE_SQL}) AS principal, arg_min(${ACCOUNT_SQL}, ${EVIDENCE_SQL}) AS "accountId",
  arg_min("awsRegion", ${EVIDENCE_SQL}) AS region, mode("eventSource") AS "eventSource", mode("eventName") AS "eventName",
  min("eventTime") AS first_time,
  min(${EVIDENCE_SQL}, ${String(MAX_EVIDENCE)}) AS events
FROM cloudtrail
WHERE "eventTime" >= CAST(\${since} AS TIMESTAMP) AND "eventTime" < CAST(\${until} AS TIMESTAMP)
  AND list_contains(from_json(\${hours}, '["VARCHAR"]'), ${ENTITY_SQL} || '@' || CAST(CAST(floor(epoch("eventTime")) AS BIGINT) // 3600 AS VARCHAR))
GROUP BY ALL`;

interface Novelty {
  readonly entity: string;
  readonly dimension: AnomalyDimension;
  readonly value: string;
  readonly firstMs: number;
  /** Whether it counts toward corroboration (not churn, not a lone read-only API). */
  readonly telling: boolean;
  readonly row: Readonly<Record<string, unknown>>;
  /** Its evidence events, by provenance. */
  readonly events: ReadonlySet<string>;
}

const noveltyKey = (row: LakeRow): string =>
  JSON.stringify([cellText(row['entity']), cellText(row['dimension']), cellText(row['value'])]);

const eventKeys = (value: unknown): Set<string> =>
  new Set(rowEvidence(value).map((e) => `${e.sourceObject}#${String(e.recordIndex)}`));

const TITLES: Readonly<Record<AnomalyDimension, string>> = {
  region: 'First use of a region',
  api: 'First use of an API',
  sourceIp: 'First use of a source network',
  userAgent: 'First use of a user-agent family',
  volume: 'Hourly call volume far above the baseline',
};

/** ATT&CK: valid cloud accounts used from somewhere new; volume has no single technique. */
const MITRE: Readonly<Record<AnomalyDimension, readonly string[]>> = {
  region: ['T1078.004', 'T1535'],
  api: ['T1078.004'],
  sourceIp: ['T1078.004'],
  userAgent: ['T1078.004'],
  volume: [],
};

const text = cellText;

/** The detection window and its baseline, from the options and the lake's time range. */
export function anomalyWindows(
  window: DetectionWindow,
  learningDays: number,
  lake: { readonly first: number; readonly last: number },
): { since: number; until: number; baselineSince: number } {
  const until = window.until === undefined ? lake.last + 1000 : Date.parse(window.until);
  let since: number;
  if (window.since !== undefined) since = Date.parse(window.since);
  else {
    // Without --since, the window begins once the learning days are over; when the lake is
    // shorter, its last day is judged against everything before it.
    since = lake.first + learningDays * DAY_MS;
    if (since > until - DAY_MS) since = Math.max(lake.first, until - DAY_MS);
  }
  return { since, until, baselineSince: Math.max(lake.first, since - learningDays * DAY_MS) };
}

function severityOf(dimensions: number, novelty: Novelty): Severity {
  if (!novelty.telling) return 'info';
  if (dimensions >= 3) return 'high';
  if (dimensions === 2) return 'medium';
  return 'low';
}

export async function detectAnomalies(
  run: LakeRunner,
  window: DetectionWindow,
  learningDays: number,
  known: LakeFacts = {},
): Promise<{ findings: Finding[]; detectors: number }> {
  const detectors = 5;
  const { first, last } = known.range ?? (await lakeTimeRange(run));
  if (!Number.isFinite(first) || !Number.isFinite(last)) return { findings: [], detectors };
  const { since, until, baselineSince } = anomalyWindows(window, learningDays, { first, last });
  if (since <= baselineSince || since >= until) return { findings: [], detectors };
  const params: Record<string, string> = {
    baseline_since: timestampText(baselineSince),
    since: timestampText(since),
    until: timestampText(until),
  };
  const baseline = {
    baselineSince: isoSeconds(baselineSince),
    baselineUntil: isoSeconds(since),
  };

  const sightings = await run(NOVELTY_SQL, params);
  const firstSeen = sightings.filter((row) => row['kind'] === 'first');
  const volumeRows = sightings.filter((row) => row['kind'] === 'volume');
  const seen = new Map<string, LakeRow>();
  if (firstSeen.length > 0) {
    const wanted = firstSeen.map((row) => ({
      entity: cellText(row['entity']),
      dimension: cellText(row['dimension']),
      value: cellText(row['value']),
    }));
    const evidenceParams = {
      since: params['since'] ?? '',
      until: params['until'] ?? '',
      novelties: JSON.stringify(wanted),
    };
    for (const row of await run(NOVELTY_EVIDENCE_SQL, evidenceParams)) {
      seen.set(noveltyKey(row), row);
    }
  }
  const novelties: Novelty[] = firstSeen.map((first) => {
    const row: LakeRow = { ...first, ...(seen.get(noveltyKey(first)) ?? {}) };
    const dimension = row['dimension'] as Exclude<AnomalyDimension, 'volume'>;
    const churn = Number(row['baseline_distinct']) >= CHURN[dimension];
    const readOnlyApi =
      dimension === 'api' && Number(row['writes']) === 0 && Number(row['errors']) === 0;
    return {
      entity: String(row['entity']),
      dimension,
      value: String(row['value']),
      firstMs: Date.parse(String(row['first_time'])),
      telling: !churn && !readOnlyApi,
      row,
      events: eventKeys(row['events']),
    };
  });

  const volumeEvidence = new Map<string, Readonly<Record<string, unknown>>>();
  if (volumeRows.length > 0) {
    const hours = volumeRows.map((r) => `${String(r['entity'])}@${String(r['hour'])}`);
    const evidenceParams = {
      since: params['since'] ?? '',
      until: params['until'] ?? '',
      hours: JSON.stringify(hours),
    };
    for (const row of await run(VOLUME_EVIDENCE_SQL, evidenceParams)) {
      volumeEvidence.set(`${String(row['entity'])}@${String(row['hour'])}`, row);
    }
  }
  const volumes: Novelty[] = volumeRows.map((row) => {
    const key = `${String(row['entity'])}@${String(row['hour'])}`;
    const evidence = volumeEvidence.get(key) ?? {};
    return {
      entity: String(row['entity']),
      dimension: 'volume',
      value: String(row['n']),
      firstMs: Number(row['hour']) * 3_600_000,
      telling: true,
      row: { ...row, ...evidence, event_count: row['n'] },
      events: eventKeys(evidence['events']),
    };
  });

  const all = [...novelties, ...volumes];
  const byEntity = new Map<string, Novelty[]>();
  for (const n of all) byEntity.set(n.entity, [...(byEntity.get(n.entity) ?? []), n]);

  const findings = all.map((n): Finding => {
    const near = (byEntity.get(n.entity) ?? []).filter(
      (m) => m.telling && m !== n && [...m.events].some((e) => n.events.has(e)),
    );
    const dimensions = new Set(near.map((m) => m.dimension));
    if (n.telling) dimensions.add(n.dimension);
    const severity =
      n.dimension === 'volume'
        ? dimensions.size >= 3
          ? 'high'
          : Number(n.row['n']) >= 10 * Number(n.row['busiest'])
            ? 'medium'
            : severityOf(dimensions.size, n)
        : severityOf(dimensions.size, n);
    const details: Record<string, unknown> = {
      dimension: n.dimension,
      value: n.dimension === 'volume' ? Number(n.row['n']) : n.value,
      entity: n.entity,
      ...baseline,
      corroboratedBy: [...dimensions].filter((d) => d !== n.dimension).sort(),
    };
    if (n.dimension === 'volume') {
      details['busiestBaselineHour'] = Number(n.row['busiest']);
      details['hourStart'] = isoSeconds(n.firstMs);
    } else {
      details['baselineDistinct'] = Number(n.row['baseline_distinct']);
      details['baselineEvents'] = Number(n.row['baseline_events']);
    }
    return {
      rule: `anomaly-${n.dimension === 'sourceIp' ? 'source-network' : n.dimension === 'userAgent' ? 'user-agent' : n.dimension}`,
      title: `${TITLES[n.dimension]}${n.dimension === 'volume' ? '' : `: ${n.value}`}`,
      severity,
      kind: 'anomaly',
      time: text(n.row['first_time']) ?? isoSeconds(n.firstMs),
      principal: text(n.row['principal']),
      accountId: text(n.row['accountId']),
      region: text(n.row['region']),
      eventSource: text(n.row['eventSource']),
      eventName: text(n.row['eventName']),
      eventCount: Number(n.row['event_count']),
      events: rowEvidence(n.row['events']),
      details,
      mitre: MITRE[n.dimension],
    };
  });
  return { findings, detectors };
}
