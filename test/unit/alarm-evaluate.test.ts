/**
 * Alarm evaluation against the CloudWatch user guide's tables ("How alarm state is evaluated when
 * data is missing"): five data points, most recent on the right, 0 not breaching, X breaching,
 * - missing; the state for each way of treating missing data. "keep" is "Retain current state".
 */
import { describe, expect, it } from 'vitest';
import {
  type AlarmState,
  type Datapoint,
  evaluateAlarm,
  type TreatMissingData,
} from '../../src/detect/alarm/evaluate.js';

function points(text: string): Datapoint[] {
  return text.split(' ').map((c) => (c === 'X' ? 'breaching' : c === '0' ? 'ok' : 'missing'));
}

type Row = readonly [string, AlarmState | 'keep', AlarmState | 'keep', AlarmState, AlarmState];
const TREATMENTS: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

function check(rows: readonly Row[], datapointsToAlarm: number): void {
  it.each(rows)('%s', (data, ...expected) => {
    TREATMENTS.forEach((treatMissingData, i) => {
      // From every current state, so that "keep" is seen to keep it.
      for (const current of ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const) {
        const want = expected[i] === 'keep' ? current : expected[i];
        expect(
          evaluateAlarm(
            points(data),
            { evaluationPeriods: 3, datapointsToAlarm, treatMissingData },
            current,
          ),
          `${treatMissingData}, from ${current}`,
        ).toBe(want);
      }
    });
  });
}

describe('alarm evaluation, 3 of 3 data points', () => {
  check(
    [
      ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
      ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
      ['- - - - -', 'INSUFFICIENT_DATA', 'keep', 'ALARM', 'OK'],
      ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['- - X - -', 'ALARM', 'keep', 'ALARM', 'OK'],
    ],
    3,
  );
});

describe('alarm evaluation, 2 of 3 data points (M out of N)', () => {
  check(
    [
      ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
      ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
      ['- - - X -', 'ALARM', 'keep', 'ALARM', 'OK'],
    ],
    2,
  );
});

describe('premature transitions', () => {
  it('waits for a young breaching point, as the guide describes for - - - - X and - - - X -', () => {
    for (const data of ['- - - - X', '- - - X -']) {
      expect(
        evaluateAlarm(
          points(data),
          { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'missing' },
          'OK',
        ),
      ).toBe('OK');
    }
  });

  it('looks only at the last N + 2 points', () => {
    expect(
      evaluateAlarm(
        points('X X X - - - - -'),
        { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'missing' },
        'ALARM',
      ),
    ).toBe('INSUFFICIENT_DATA');
  });
});
