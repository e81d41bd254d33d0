/**
 * Which CloudWatch alarms would have fired: metric filters and alarms (as the AWS CLI prints
 * them, or from ctlake's alarm rules) replayed over the lake's history, offline. All the metrics
 * come from one scan of the lake (alarm/metric-sql.ts); each alarm is replayed over its own
 * (alarm/replay.ts); the events behind each transition into ALARM come from one more scan.
 */
import { DEFAULT_LAKE_DIR } from '../defaults.js';
import { inLake } from './lake-session.js';
import { type AlarmTransition, replayAlarm } from './alarm/replay.js';
import {
  activeBucketsQuery,
  metricsQuery,
  type Publisher,
  publisherMarks,
} from './alarm/metric-sql.js';
import type { MetricAlarm, MetricFilter, SetAside } from './cloudwatch-config.js';
import { type Evidence, MAX_EVIDENCE } from './finding.js';
import {
  ACCOUNT_SQL,
  EVIDENCE_SQL,
  type DetectionWindow,
  type LakeFacts,
  lakeEventNames,
  lakeTimeRange,
  type LakeRunner,
  PRINCIPAL_SQL,
  rowEvidence,
  windowCondition,
} from './lake-rows.js';

export interface AlarmReplayOptions {
  /** The lake directory (default `ctlake-lake`). */
  readonly lakeDir?: string;
  readonly metricFilters: readonly MetricFilter[];
  readonly alarms: readonly MetricAlarm[];
  /** Replay from this time (ISO 8601; default the lake's first event). */
  readonly since?: string;
  /** Replay up to this time (ISO 8601; default just after the lake's last event). */
  readonly until?: string;
  readonly signal?: AbortSignal;
}

export interface AlarmReplay {
  readonly alarm: MetricAlarm;
  /** The metric filters that publish the alarm's metric. */
  readonly filters: readonly string[];
  readonly transitions: readonly AlarmTransition[];
}

export interface AlarmReplayResult {
  readonly replays: readonly AlarmReplay[];
  /** Alarms not replayed, and why. */
  readonly setAside: readonly SetAside[];
}

/** The events behind one transition into ALARM: those its filters matched in its range. */
export interface TransitionEvidence {
  readonly eventCount: number;
  readonly events: readonly Evidence[];
  /** Who and where, from the earliest of the events. */
  readonly first: {
    readonly principal: string | null;
    readonly accountId: string | null;
    readonly region: string | null;
    readonly eventSource: string | null;
    readonly eventName: string | null;
  };
}

function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

interface Job {
  readonly alarm: MetricAlarm;
  /** Indexes into the shared publisher list. */
  readonly publishers: readonly number[];
}

interface Stats {
  n: number;
  total: number;
  low: number;
  high: number;
}

function statistic(alarm: MetricAlarm, s: Stats): number {
  switch (alarm.statistic) {
    case 'SampleCount':
      return s.n;
    case 'Sum':
      return s.total;
    case 'Average':
      return s.total / s.n;
    case 'Minimum':
      return s.low;
    case 'Maximum':
      return s.high;
    default:
      return alarm.statistic satisfies never;
  }
}

/** The alarms replayed over the lake through `run`; `window` bounds the replay. */
export async function replayAlarmsWith(
  run: LakeRunner,
  metricFilters: readonly MetricFilter[],
  alarms: readonly MetricAlarm[],
  window: DetectionWindow,
  known: LakeFacts = {},
): Promise<{ result: AlarmReplayResult; publishers: readonly Publisher[]; jobs: readonly Job[] }> {
  const publishers: Publisher[] = [];
  const jobs: Job[] = [];
  const setAside: SetAside[] = [];
  for (const alarm of alarms) {
    const own = metricFilters.flatMap((filter) =>
      filter.metricTransformations
        .filter((t) => t.metricName === alarm.metricName && t.metricNamespace === alarm.namespace)
        .map((transformation) => ({ filter, transformation })),
    );
    if (own.length === 0) {
      setAside.push({
        name: alarm.alarmName,
        reason: `no metric filter publishes ${alarm.namespace}/${alarm.metricName}`,
      });
      continue;
    }
    const indexes = own.map((p) => {
      const known = publishers.findIndex(
        (q) => q.filter === p.filter && q.transformation === p.transformation,
      );
      return known >= 0 ? known : publishers.push(p) - 1;
    });
    jobs.push({ alarm, publishers: indexes });
  }
  if (jobs.length === 0) return { result: { replays: [], setAside }, publishers, jobs };

  const range = known.range ?? (await lakeTimeRange(run));
  const from =
    window.since === undefined ? Math.floor(range.first / 1000) : epochSeconds(window.since);
  const to =
    window.until === undefined ? Math.floor(range.last / 1000) + 1 : epochSeconds(window.until);
  const bucket = jobs.map((j) => j.alarm.period).reduce(gcd);

  const byPublisher = new Map<number, Map<number, Stats>>();
  if (Number.isFinite(from) && Number.isFinite(to)) {
    const names = known.eventNames ?? (await lakeEventNames(window, run));
    const metrics = metricsQuery(publishers, bucket, window, names);
    for (const row of await run(metrics.sql, metrics.params)) {
      const p = Number(row['publisher']);
      let buckets = byPublisher.get(p);
      if (buckets === undefined) byPublisher.set(p, (buckets = new Map<number, Stats>()));
      buckets.set(Number(row['bucket']), {
        n: Number(row['n']),
        total: Number(row['total']),
        low: Number(row['low']),
        high: Number(row['high']),
      });
    }
  }
  const needsActive = publishers.some((p) => p.transformation.defaultValue !== undefined);
  const active = needsActive
    ? (
        await run(activeBucketsQuery(bucket, window).sql, activeBucketsQuery(bucket, window).params)
      ).map((row) => Number(row['bucket']))
    : [];

  const replays = jobs.map(({ alarm, publishers: own }): AlarmReplay => {
    const filters = own.map((i) => (publishers[i] as Publisher).filter.filterName);
    if (!Number.isFinite(from) || !Number.isFinite(to)) return { alarm, filters, transitions: [] };
    const periods = new Map<number, Stats>();
    for (const i of own) {
      for (const [start, s] of byPublisher.get(i) ?? []) {
        const period = Math.floor(start / alarm.period) * alarm.period;
        const sum = periods.get(period);
        if (sum === undefined) periods.set(period, { ...s });
        else {
          sum.n += s.n;
          sum.total += s.total;
          sum.low = Math.min(sum.low, s.low);
          sum.high = Math.max(sum.high, s.high);
        }
      }
    }
    const values = new Map([...periods].map(([start, s]) => [start, statistic(alarm, s)]));
    // A filter with a default value reports it for the periods in which events arrived but
    // none matched.
    const fallback = own
      .map((i) => (publishers[i] as Publisher).transformation.defaultValue)
      .find((v) => v !== undefined);
    if (fallback !== undefined) {
      for (const start of active) {
        const period = Math.floor(start / alarm.period) * alarm.period;
        if (!values.has(period)) values.set(period, fallback);
      }
    }
    return {
      alarm,
      filters,
      transitions: replayAlarm(
        alarm,
        [...values].map(([start, value]) => ({ start, value })),
        from,
        to,
      ),
    };
  });
  return { result: { replays, setAside }, publishers, jobs };
}

/**
 * The evidence of every transition into ALARM, in one scan: the events each alarm's filters
 * matched in the periods its evaluation looked at. Keyed by `alarmIndex:transitionIndex`.
 */
export async function alarmEvidence(
  run: LakeRunner,
  publishers: readonly Publisher[],
  jobs: readonly Job[],
  replays: readonly AlarmReplay[],
): Promise<Map<string, TransitionEvidence>> {
  const ranges: { a: number; k: number; p: number; lo: number; hi: number }[] = [];
  replays.forEach((replay, a) => {
    const job = jobs[a] as Job;
    replay.transitions.forEach((t, k) => {
      if (t.state !== 'ALARM') return;
      // The periods that decided it: the last N (EvaluationPeriods) evaluated, not the two
      // earlier ones CloudWatch's evaluation range also looks at for missing data.
      const lo =
        t.time -
        Math.min(t.datapoints.length, replay.alarm.evaluationPeriods) * replay.alarm.period;
      for (const p of job.publishers) ranges.push({ a, k, p, lo, hi: t.time });
    });
  });
  const evidence = new Map<string, TransitionEvidence>();
  if (ranges.length === 0) return evidence;
  const params: Record<string, string> = { ranges: JSON.stringify(ranges) };
  const { conditions } = publisherMarks(publishers, params, false);
  // Only the days around the transitions are read (the lake's parts are per day).
  const where = windowCondition(
    {
      since: new Date(Math.min(...ranges.map((r) => r.lo)) * 1000).toISOString(),
      until: new Date(Math.max(...ranges.map((r) => r.hi)) * 1000).toISOString(),
    },
    params,
  );
  const sql = `WITH r AS (
  SELECT unnest(from_json(\${ranges}, '[{"a":"INTEGER","k":"INTEGER","p":"INTEGER","lo":"BIGINT","hi":"BIGINT"}]'), recursive := true)
), m AS (
  SELECT CAST(floor(epoch("eventTime")) AS BIGINT) AS t, "eventTime",
    {principal: ${PRINCIPAL_SQL}, accountId: ${ACCOUNT_SQL}, region: "awsRegion", eventSource: "eventSource", eventName: "eventName"} AS who,
    ${EVIDENCE_SQL} AS evidence,
    unnest(list_filter([${conditions.map((c, i) => `CASE WHEN ${c} THEN ${String(i)} END`).join(',\n      ')}], h -> h IS NOT NULL)) AS p
  FROM cloudtrail${where === '' ? '' : ` WHERE ${where}`}
)
SELECT r.a, r.k, count(*) AS n, arg_min(m.who, m.evidence) AS first,
  min(m.evidence, ${String(MAX_EVIDENCE)}) AS events
FROM m JOIN r ON m.p = r.p AND m.t >= r.lo AND m.t < r.hi
GROUP BY r.a, r.k`;
  for (const row of await run(sql, params)) {
    const who = (row['first'] ?? {}) as Readonly<Record<string, unknown>>;
    const text = (key: string): string | null => (typeof who[key] === 'string' ? who[key] : null);
    evidence.set(`${String(row['a'])}:${String(row['k'])}`, {
      first: {
        principal: text('principal'),
        accountId: text('accountId'),
        region: text('region'),
        eventSource: text('eventSource'),
        eventName: text('eventName'),
      },
      eventCount: Number(row['n']),
      events: rowEvidence(row['events']),
    });
  }
  return evidence;
}

export async function replayAlarms(options: AlarmReplayOptions): Promise<AlarmReplayResult> {
  return inLake(options.lakeDir ?? DEFAULT_LAKE_DIR, options.signal, async (run) => {
    const window = {
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.until === undefined ? {} : { until: options.until }),
    };
    return (await replayAlarmsWith(run, options.metricFilters, options.alarms, window)).result;
  });
}
