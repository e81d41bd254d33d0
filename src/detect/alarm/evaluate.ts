/**
 * One evaluation of a CloudWatch metric alarm: from the most recent data points to a state, as the
 * CloudWatch user guide describes it ("Using Amazon CloudWatch alarms": evaluating an alarm, how
 * missing data is treated, avoiding premature transitions to ALARM). Pure, so it is tested against
 * the guide's tables directly.
 *
 * - The evaluation range is N + 2 data points (N = EvaluationPeriods): the guide's example
 *   retrieves 5 for N = 3; the real range depends on the period and resolution, which an offline
 *   replay does not have.
 * - With at least N real data points in the range, the most recent N real ones decide: ALARM when
 *   M (DatapointsToAlarm) of them breach.
 * - With fewer, the real ones are all used and the rest are filled per TreatMissingData:
 *   `breaching` fills count as breaching, `notBreaching` as not; `missing` gives
 *   INSUFFICIENT_DATA when no real point is left, and `ignore` keeps the current state then.
 * - Premature ALARM: when every real point in the range breaches and the oldest breaching point
 *   among the last N is at least M points old, `missing` goes to ALARM (the data cannot become
 *   good any more within the window) and `ignore` keeps the current state.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

/** One period's data point: breaching the threshold, not, or absent. */
export type Datapoint = 'breaching' | 'ok' | 'missing';

export interface EvaluationSettings {
  /** N: the data points the alarm looks at. */
  readonly evaluationPeriods: number;
  /** M: how many of them must breach (M ≤ N). */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

/** Data points an evaluation retrieves: N plus a margin for missing ones. */
export function evaluationRange(settings: EvaluationSettings): number {
  return settings.evaluationPeriods + 2;
}

/**
 * The state after one evaluation. `recent` is oldest first and ends with the period just
 * completed; only its last `evaluationRange` points are used.
 */
export function evaluateAlarm(
  recent: readonly Datapoint[],
  settings: EvaluationSettings,
  current: AlarmState,
): AlarmState {
  const n = settings.evaluationPeriods;
  const m = settings.datapointsToAlarm;
  const range = recent.slice(-evaluationRange(settings));
  const real = range.filter((p) => p !== 'missing');
  const breachingOf = (points: readonly Datapoint[]): number =>
    points.filter((p) => p === 'breaching').length;
  const decide = (breaching: number): AlarmState => (breaching >= m ? 'ALARM' : 'OK');

  if (real.length >= n) return decide(breachingOf(real.slice(-n)));

  const lastN = range.slice(-n);
  const oldestBreaching = lastN.indexOf('breaching');
  const premature =
    real.length > 0 &&
    real.every((p) => p === 'breaching') &&
    oldestBreaching >= 0 &&
    lastN.length - oldestBreaching >= m;

  switch (settings.treatMissingData) {
    case 'breaching':
      return decide(breachingOf(real) + (n - real.length));
    case 'notBreaching':
      return decide(breachingOf(real));
    case 'missing':
      if (real.length === 0) return 'INSUFFICIENT_DATA';
      return premature ? 'ALARM' : decide(breachingOf(real));
    case 'ignore':
      if (real.length === 0 || premature) return current;
      return decide(breachingOf(real));
    default:
      return settings.treatMissingData satisfies never;
  }
}
