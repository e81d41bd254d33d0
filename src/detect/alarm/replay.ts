/**
 * Replays a CloudWatch metric alarm over a metric's history: one data point per period (the
 * statistic of the values in it, or missing), an evaluation at the end of each period
 * (evaluate.ts), and every change of state reported with its time and the data points that
 * decided it. CloudWatch evaluates every minute; at the end of each period is where a new data
 * point can change the outcome, so an offline replay evaluates there. Periods are aligned to
 * multiples of the period from the Unix epoch, in UTC, as CloudWatch aligns statistics.
 */
import {
  type AlarmState,
  type Datapoint,
  type EvaluationSettings,
  evaluateAlarm,
  evaluationRange,
} from './evaluate.js';

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export interface ReplayedAlarm extends EvaluationSettings {
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  /** Seconds. */
  readonly period: number;
}

/** One period's statistic, or none when the metric had no value in it. */
export interface PeriodValue {
  /** Start of the period, epoch seconds (a multiple of the period). */
  readonly start: number;
  readonly value: number | undefined;
}

export interface AlarmTransition {
  /** When the evaluation ran: the end of the period, epoch seconds. */
  readonly time: number;
  readonly previousState: AlarmState;
  readonly state: AlarmState;
  /** The latest period's value, when it has one. */
  readonly value: number | undefined;
  /** The evaluated data points, oldest first (undefined: missing). */
  readonly datapoints: readonly (number | undefined)[];
}

export function breaches(value: number, alarm: ReplayedAlarm): boolean {
  switch (alarm.comparisonOperator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.threshold;
    case 'GreaterThanThreshold':
      return value > alarm.threshold;
    case 'LessThanThreshold':
      return value < alarm.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= alarm.threshold;
    default:
      return alarm.comparisonOperator satisfies never;
  }
}

/**
 * The alarm's transitions over [from, to) (epoch seconds, aligned outward to whole periods).
 * `values` may list any periods in any order; the others are missing. The alarm starts in
 * INSUFFICIENT_DATA, as a new alarm does.
 */
export function replayAlarm(
  alarm: ReplayedAlarm,
  values: readonly PeriodValue[],
  from: number,
  to: number,
): AlarmTransition[] {
  const byStart = new Map(values.map((v) => [v.start, v.value]));
  const first = Math.floor(from / alarm.period) * alarm.period;
  const transitions: AlarmTransition[] = [];
  const series: (number | undefined)[] = [];
  let state: AlarmState = 'INSUFFICIENT_DATA';
  const keep = evaluationRange(alarm);
  for (let start = first; start < to; start += alarm.period) {
    const value = byStart.get(start);
    series.push(value);
    if (series.length > keep) series.shift();
    const points: Datapoint[] = series.map((v) =>
      v === undefined ? 'missing' : breaches(v, alarm) ? 'breaching' : 'ok',
    );
    const next = evaluateAlarm(points, alarm, state);
    if (next !== state) {
      transitions.push({
        time: start + alarm.period,
        previousState: state,
        state: next,
        value,
        datapoints: [...series],
      });
      state = next;
    }
  }
  return transitions;
}
