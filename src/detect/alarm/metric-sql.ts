/**
 * The SQL of many metrics at once: one scan of the lake marks each event with the metric filter
 * publishers (a filter and one of its metric transformations) whose pattern it matches, with the
 * value it publishes, and sums them per publisher and per bucket of time. The buckets are the
 * greatest common divisor of the alarms' periods, so each bucket lies in exactly one period of
 * every alarm and any statistic of a period follows from its buckets' count, sum, minimum and
 * maximum. A value taken from the event (`$.field`) that is not a number gives no value, as
 * CloudWatch skips it. Every value from a filter is a bound `${name}` parameter.
 */
import type { MetricFilter, MetricTransformation } from '../cloudwatch-config.js';
import { stringColumn } from '../event-fields.js';
import { type DetectionWindow, namesMatching, windowCondition } from '../lake-rows.js';
import { parsePattern, parseSelector } from '../metric-filter/pattern.js';
import { jsonPath, patternEventNames, patternToSql } from '../metric-filter/pattern-sql.js';

export interface MetricQuery {
  readonly sql: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A publisher of a metric: one filter and the transformation of it that names the metric. */
export interface Publisher {
  readonly filter: MetricFilter;
  readonly transformation: MetricTransformation;
}

/** The start of an event's bucket, in epoch seconds. */
export const bucketStart = (width: number): string =>
  `(CAST(floor(epoch("eventTime")) AS BIGINT) // ${String(width)}) * ${String(width)}`;

/** Each publisher's condition and value, as CASE arms naming the publisher by its index. */
export function publisherMarks(
  publishers: readonly Publisher[],
  params: Record<string, string>,
  withValues = true,
): { conditions: string[]; values: string[] } {
  const conditions: string[] = [];
  const values: string[] = [];
  publishers.forEach(({ filter, transformation }, i) => {
    const { condition, params: own } = patternToSql(
      parsePattern(filter.filterPattern),
      `p${String(i)}_`,
      '"eventJson"',
      stringColumn,
    );
    Object.assign(params, own);
    conditions.push(condition);
    if (!withValues) return;
    const valueName = `p${String(i)}_value`;
    params[valueName] = transformation.metricValue.startsWith('$')
      ? jsonPath(parseSelector(transformation.metricValue))
      : transformation.metricValue;
    values.push(
      transformation.metricValue.startsWith('$')
        ? `TRY_CAST(json_extract_string("eventJson", \${${valueName}}) AS DOUBLE)`
        : `CAST(\${${valueName}} AS DOUBLE)`,
    );
  });
  return { conditions, values };
}

/**
 * `SELECT publisher, bucket, n, total, low, high` for every publisher and bucket with at least
 * one value. Each filter's pattern must parse (pattern.ts throws PatternError otherwise).
 */
export function metricsQuery(
  publishers: readonly Publisher[],
  bucket: number,
  window: DetectionWindow,
  lakeEventNames: readonly string[],
): MetricQuery {
  const params: Record<string, string> = {};
  const { conditions, values } = publisherMarks(publishers, params);
  const mark = (i: number): string =>
    `CASE WHEN ${conditions[i] ?? 'false'} THEN {p: ${String(i)}, v: ${values[i] ?? 'NULL'}} END`;
  const inWindow = ['"eventTime" IS NOT NULL', windowCondition(window, params)].filter(
    (c) => c !== '',
  );
  // A filter whose pattern names its events reads only those (an IN list, which lets a
  // compacted lake skip the row groups of other APIs); one that names an API the lake does not
  // hold cannot match and is left out; the others read every event.
  const named: number[] = [];
  const names = new Set<string>();
  const rest: number[] = [];
  publishers.forEach((publisher, i) => {
    const patterns = patternEventNames(parsePattern(publisher.filter.filterPattern));
    if (patterns === null) {
      rest.push(i);
      return;
    }
    const own = namesMatching(lakeEventNames, patterns);
    if (own.length === 0) return;
    named.push(i);
    for (const name of own) names.add(name);
  });
  const scans: string[] = [];
  if (named.length > 0) {
    // One JSON list parameter, joined by hash (an IN list of parameters is tested one by one).
    params['metric_event_names'] = JSON.stringify([...names].sort());
    scans.push(`SELECT ${bucketStart(bucket)} AS bucket,
    unnest(list_filter([${named.map(mark).join(',\n      ')}], h -> h IS NOT NULL)) AS hit
  FROM cloudtrail
  WHERE "eventName" IN (SELECT unnest(from_json(\${metric_event_names}, '["VARCHAR"]'))) AND ${inWindow.join(' AND ')}`);
  }
  if (rest.length > 0) {
    scans.push(`SELECT ${bucketStart(bucket)} AS bucket,
    unnest(list_filter([${rest.map(mark).join(',\n      ')}], h -> h IS NOT NULL)) AS hit
  FROM cloudtrail WHERE ${inWindow.join(' AND ')}`);
  }
  if (scans.length === 0) {
    scans.push(
      'SELECT CAST(NULL AS BIGINT) AS bucket, {p: 0, v: CAST(NULL AS DOUBLE)} AS hit WHERE false',
    );
  }
  const sql = `SELECT hit.p AS publisher, bucket, count(hit.v) AS n, sum(hit.v) AS total, min(hit.v) AS low, max(hit.v) AS high
FROM (
  ${scans.join('\n  UNION ALL\n  ')}
)
WHERE hit.v IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2`;
  // Parameters of filters left out are not in the query.
  return {
    sql,
    params: Object.fromEntries(
      Object.entries(params).filter(([name]) => sql.includes(`\${${name}}`)),
    ),
  };
}

/** The buckets in which the lake has any event at all (a filter's default value fills them). */
export function activeBucketsQuery(bucket: number, window: DetectionWindow): MetricQuery {
  const params: Record<string, string> = {};
  const where = ['"eventTime" IS NOT NULL', windowCondition(window, params)].filter(
    (c) => c !== '',
  );
  return {
    sql: `SELECT DISTINCT ${bucketStart(bucket)} AS bucket FROM cloudtrail WHERE ${where.join(' AND ')}`,
    params,
  };
}
