/**
 * A user's CloudWatch configuration, as the AWS CLI prints it: `aws logs describe-metric-filters`
 * (`{"metricFilters": [...]}`) and `aws cloudwatch describe-alarms` (`{"MetricAlarms": [...]}`),
 * saved before going offline. Alarms find their metric filters by metric name and namespace.
 * What ctlake cannot replay (metric math, percentiles, anomaly bands, dimensions) is set aside
 * with a reason, and the rest is replayed.
 */
import { UsageError } from '../errors.js';
import type { ComparisonOperator } from './alarm/replay.js';
import { COMPARISON_OPERATORS } from './alarm/replay.js';
import type { TreatMissingData } from './alarm/evaluate.js';

export interface MetricTransformation {
  readonly metricName: string;
  readonly metricNamespace: string;
  /** `"1"`, another number, or `"$.field"`: what one matching event adds. */
  readonly metricValue: string;
  readonly defaultValue?: number;
}

export interface MetricFilter {
  readonly filterName: string;
  readonly filterPattern: string;
  readonly metricTransformations: readonly MetricTransformation[];
}

export const STATISTICS = ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'] as const;
export type Statistic = (typeof STATISTICS)[number];

export interface MetricAlarm {
  readonly alarmName: string;
  readonly metricName: string;
  readonly namespace: string;
  readonly statistic: Statistic;
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly treatMissingData: TreatMissingData;
}

/** An alarm ctlake cannot replay, and why. */
export interface SetAside {
  readonly name: string;
  readonly reason: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(item: Json, key: string, where: string): string {
  const value = item[key];
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`${where}: "${key}" must be a non-empty string`);
  }
  return value;
}

function number(item: Json, key: string, where: string): number {
  const value = item[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new UsageError(`${where}: "${key}" must be a number`);
  }
  return value;
}

function list(document: unknown, key: string, file: string): Json[] {
  if (!isObject(document) || !Array.isArray(document[key])) {
    throw new UsageError(
      `${file}: expected a JSON object with a "${key}" array (the AWS CLI's output)`,
    );
  }
  return (document[key] as unknown[]).map((item, i) => {
    if (!isObject(item)) throw new UsageError(`${file}: ${key}[${String(i)}] is not an object`);
    return item;
  });
}

/** The metric filters of `aws logs describe-metric-filters` output (already JSON-parsed). */
export function parseMetricFilters(document: unknown, file: string): MetricFilter[] {
  return list(document, 'metricFilters', file).map((item, i) => {
    const where = `${file}: metricFilters[${String(i)}]`;
    const transformations = item['metricTransformations'];
    if (!Array.isArray(transformations) || transformations.length === 0) {
      throw new UsageError(`${where}: "metricTransformations" must be a non-empty array`);
    }
    return {
      filterName: text(item, 'filterName', where),
      filterPattern: text(item, 'filterPattern', where),
      metricTransformations: transformations.map((t: unknown, j) => {
        const at = `${where}.metricTransformations[${String(j)}]`;
        if (!isObject(t)) throw new UsageError(`${at} is not an object`);
        const metricValue = text(t, 'metricValue', at);
        if (
          !/^\$\.[A-Za-z0-9_.[\]-]+$/.test(metricValue) &&
          !Number.isFinite(Number(metricValue))
        ) {
          throw new UsageError(`${at}: "metricValue" must be a number or a $.field selector`);
        }
        return {
          metricName: text(t, 'metricName', at),
          metricNamespace: text(t, 'metricNamespace', at),
          metricValue,
          ...(t['defaultValue'] === undefined
            ? {}
            : { defaultValue: number(t, 'defaultValue', at) }),
        };
      }),
    };
  });
}

/**
 * The metric alarms of `aws cloudwatch describe-alarms` output, and those set aside with a
 * reason (composite alarms are not listed there under MetricAlarms and are not read).
 */
export function parseMetricAlarms(
  document: unknown,
  file: string,
): { alarms: MetricAlarm[]; setAside: SetAside[] } {
  const alarms: MetricAlarm[] = [];
  const setAside: SetAside[] = [];
  list(document, 'MetricAlarms', file).forEach((item, i) => {
    const where = `${file}: MetricAlarms[${String(i)}]`;
    const name = text(item, 'AlarmName', where);
    const aside = (reason: string): void => {
      setAside.push({ name, reason });
    };
    if (Array.isArray(item['Metrics']) && item['Metrics'].length > 0) {
      aside('alarms on metric math are not replayed');
      return;
    }
    if (item['ExtendedStatistic'] !== undefined) {
      aside('percentile statistics (ExtendedStatistic) are not replayed');
      return;
    }
    if (Array.isArray(item['Dimensions']) && item['Dimensions'].length > 0) {
      aside('metrics with dimensions are not replayed');
      return;
    }
    const statistic = text(item, 'Statistic', where);
    const operator = text(item, 'ComparisonOperator', where);
    if (!(STATISTICS as readonly string[]).includes(statistic)) {
      throw new UsageError(
        `${where}: "Statistic" ${statistic} is not one of ${STATISTICS.join(', ')}`,
      );
    }
    if (!(COMPARISON_OPERATORS as readonly string[]).includes(operator)) {
      aside(`the comparison ${operator} (anomaly detection) is not replayed`);
      return;
    }
    const treat =
      item['TreatMissingData'] === undefined ? 'missing' : text(item, 'TreatMissingData', where);
    if (!['missing', 'ignore', 'breaching', 'notBreaching'].includes(treat)) {
      throw new UsageError(`${where}: "TreatMissingData" ${treat} is not known`);
    }
    const period = number(item, 'Period', where);
    const evaluationPeriods = number(item, 'EvaluationPeriods', where);
    const datapointsToAlarm =
      item['DatapointsToAlarm'] === undefined
        ? evaluationPeriods
        : number(item, 'DatapointsToAlarm', where);
    if (period < 10 || !Number.isInteger(period)) {
      throw new UsageError(`${where}: "Period" must be a whole number of seconds ≥ 10`);
    }
    if (
      !Number.isInteger(evaluationPeriods) ||
      evaluationPeriods < 1 ||
      !Number.isInteger(datapointsToAlarm) ||
      datapointsToAlarm < 1 ||
      datapointsToAlarm > evaluationPeriods
    ) {
      throw new UsageError(`${where}: need 1 ≤ DatapointsToAlarm ≤ EvaluationPeriods`);
    }
    alarms.push({
      alarmName: name,
      metricName: text(item, 'MetricName', where),
      namespace: text(item, 'Namespace', where),
      statistic: statistic as Statistic,
      period,
      evaluationPeriods,
      datapointsToAlarm,
      threshold: number(item, 'Threshold', where),
      comparisonOperator: operator as ComparisonOperator,
      treatMissingData: treat as TreatMissingData,
    });
  });
  return { alarms, setAside };
}
