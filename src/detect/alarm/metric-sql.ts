/**
 * The SQL of a metric's data points: per period, the statistic of the values that the metric
 * filters publishing it give the matching events. Several filters may publish one metric (their
 * values add up in one series, as in CloudWatch). A value taken from the event (`$.field`) that is
 * not a number gives no value, as CloudWatch skips it. Every value is a bound `${name}` parameter.
 */
import type { MetricFilter, MetricTransformation, Statistic } from '../cloudwatch-config.js';
import { parsePattern, parseSelector } from '../metric-filter/pattern.js';
import { jsonPath, patternToSql } from '../metric-filter/pattern-sql.js';

export interface MetricQuery {
  readonly sql: string;
  readonly params: Readonly<Record<string, string>>;
}

const AGGREGATE: Record<Statistic, string> = {
  SampleCount: 'count(v)',
  Sum: 'sum(v)',
  Average: 'avg(v)',
  Minimum: 'min(v)',
  Maximum: 'max(v)',
};

/** A publisher of the metric: one filter and the transformation of it that names the metric. */
export interface Publisher {
  readonly filter: MetricFilter;
  readonly transformation: MetricTransformation;
}

/** The period's start, in epoch seconds, of each event's time. */
const PERIOD_START = `(CAST(floor(epoch("eventTime")) AS BIGINT) // CAST(\${period} AS BIGINT)) * CAST(\${period} AS BIGINT)`;

/**
 * `SELECT start, value` per period with at least one value, for `publishers` (each filter's
 * pattern must parse: pattern.ts throws PatternError otherwise).
 */
export function metricQuery(
  publishers: readonly Publisher[],
  period: number,
  statistic: Statistic,
): MetricQuery {
  const params: Record<string, string> = { period: String(period) };
  const branches = publishers.map(({ filter, transformation }, i) => {
    const { condition, params: own } = patternToSql(
      parsePattern(filter.filterPattern),
      `f${String(i)}_`,
    );
    Object.assign(params, own);
    const valueName = `f${String(i)}_value`;
    const value = transformation.metricValue.startsWith('$')
      ? `TRY_CAST(json_extract_string("eventJson", \${${valueName}}) AS DOUBLE)`
      : `CAST(\${${valueName}} AS DOUBLE)`;
    params[valueName] = transformation.metricValue.startsWith('$')
      ? jsonPath(parseSelector(transformation.metricValue))
      : transformation.metricValue;
    return `SELECT "eventTime", ${value} AS v FROM cloudtrail WHERE "eventTime" IS NOT NULL AND ${condition}`;
  });
  const sql = `SELECT ${PERIOD_START} AS start, ${AGGREGATE[statistic]} AS value
FROM (${branches.join('\nUNION ALL\n')})
WHERE v IS NOT NULL
GROUP BY 1
ORDER BY 1`;
  return { sql, params };
}

/** The periods in which the lake has any event at all (a filter's default value fills them). */
export const ACTIVE_PERIODS_SQL = `SELECT DISTINCT ${PERIOD_START} AS start FROM cloudtrail WHERE "eventTime" IS NOT NULL`;
