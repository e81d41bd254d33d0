/** Alarm replay over a metric's periods: transitions, their times and their data points. */
import { describe, expect, it } from 'vitest';
import { type ReplayedAlarm, replayAlarm } from '../../src/detect/alarm/replay.js';

const DAY = 86_400;

describe('replayAlarm', () => {
  // Seed 001: more than 100 StartInstances calls in 24 hours.
  const seed001: ReplayedAlarm = {
    threshold: 100,
    comparisonOperator: 'GreaterThanThreshold',
    period: DAY,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'missing',
  };

  it('reports each change of state at the end of the period that caused it', () => {
    const start = 20_000 * DAY;
    const transitions = replayAlarm(
      seed001,
      [
        { start, value: 50 },
        { start: start + DAY, value: 150 },
        { start: start + 3 * DAY, value: 20 },
      ],
      start + 3600,
      start + 4 * DAY,
    );
    expect(transitions).toEqual([
      {
        time: start + DAY,
        previousState: 'INSUFFICIENT_DATA',
        state: 'OK',
        value: 50,
        datapoints: [50],
      },
      {
        time: start + 2 * DAY,
        previousState: 'OK',
        state: 'ALARM',
        value: 150,
        datapoints: [50, 150],
      },
      // A missing day keeps the last real data point in the window: still ALARM on day 3.
      {
        time: start + 4 * DAY,
        previousState: 'ALARM',
        state: 'OK',
        value: 20,
        datapoints: [150, undefined, 20],
      },
    ]);
  });

  it('goes to ALARM only once M of the last N periods breach', () => {
    const alarm: ReplayedAlarm = {
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
    };
    const t = 1_000_000_200;
    const transitions = replayAlarm(
      alarm,
      [
        { start: t, value: 1 },
        { start: t + 300, value: 0 },
        { start: t + 600, value: 3 },
      ],
      t,
      t + 900,
    );
    expect(transitions.map((x) => [x.time - t, x.state])).toEqual([
      [300, 'OK'],
      [900, 'ALARM'],
    ]);
  });

  it('aligns periods to multiples of the period from the epoch', () => {
    const transitions = replayAlarm(seed001, [{ start: 0, value: 101 }], 7200, DAY);
    expect(transitions).toEqual([
      {
        time: DAY,
        previousState: 'INSUFFICIENT_DATA',
        state: 'ALARM',
        value: 101,
        datapoints: [101],
      },
    ]);
  });
});
