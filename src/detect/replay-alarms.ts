/**
 * Which CloudWatch alarms would have fired: a user's metric filters and alarms (as the AWS CLI
 * prints them) replayed over the lake's history, offline. Each alarm's metric is computed per
 * period from the events its filters match (one query on the lake per alarm, through the query
 * layer), and the alarm is replayed over it (alarm/replay.ts).
 */
import { DEFAULT_LAKE_DIR } from '../defaults.js';
import { query } from '../query/run-query.js';
import { type AlarmTransition, replayAlarm } from './alarm/replay.js';
import { ACTIVE_PERIODS_SQL, metricQuery, type Publisher } from './alarm/metric-sql.js';
import type { MetricAlarm, MetricFilter, SetAside } from './cloudwatch-config.js';

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

function epochSeconds(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${what} ${iso} is not a time`);
  return Math.floor(ms / 1000);
}

export async function replayAlarms(options: AlarmReplayOptions): Promise<AlarmReplayResult> {
  const lakeDir = options.lakeDir ?? DEFAULT_LAKE_DIR;
  const base = { lakeDir, ...(options.signal ? { signal: options.signal } : {}) };
  const run = async (sql: string, params: Readonly<Record<string, string>> = {}) =>
    (await query({ ...base, source: { kind: 'text', sql }, params })).rows;

  const [bounds] = await run(
    `SELECT CAST(floor(epoch(min("eventTime"))) AS BIGINT) AS first, CAST(floor(epoch(max("eventTime"))) AS BIGINT) AS last FROM cloudtrail`,
  );
  const from =
    options.since === undefined ? Number(bounds?.['first']) : epochSeconds(options.since, 'since');
  const to =
    options.until === undefined
      ? Number(bounds?.['last']) + 1
      : epochSeconds(options.until, 'until');

  const replays: AlarmReplay[] = [];
  const setAside: SetAside[] = [];
  for (const alarm of options.alarms) {
    const publishers: Publisher[] = options.metricFilters.flatMap((filter) =>
      filter.metricTransformations
        .filter((t) => t.metricName === alarm.metricName && t.metricNamespace === alarm.namespace)
        .map((transformation) => ({ filter, transformation })),
    );
    if (publishers.length === 0) {
      setAside.push({
        name: alarm.alarmName,
        reason: `no metric filter publishes ${alarm.namespace}/${alarm.metricName}`,
      });
      continue;
    }
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      replays.push({ alarm, filters: publishers.map((p) => p.filter.filterName), transitions: [] });
      continue;
    }
    const metric = metricQuery(publishers, alarm.period, alarm.statistic);
    const values = new Map(
      (await run(metric.sql, metric.params)).map((row) => [
        Number(row['start']),
        Number(row['value']),
      ]),
    );
    // A filter with a default value reports it for the periods in which events arrived but
    // none matched.
    const fallback = publishers.find((p) => p.transformation.defaultValue !== undefined)
      ?.transformation.defaultValue;
    if (fallback !== undefined) {
      for (const row of await run(ACTIVE_PERIODS_SQL, { period: String(alarm.period) })) {
        const start = Number(row['start']);
        if (!values.has(start)) values.set(start, fallback);
      }
    }
    replays.push({
      alarm,
      filters: publishers.map((p) => p.filter.filterName),
      transitions: replayAlarm(
        alarm,
        [...values].map(([start, value]) => ({ start, value })),
        from,
        to,
      ),
    });
  }
  return { replays, setAside };
}
