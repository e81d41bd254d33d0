/**
 * Seed 001's question, offline: a CloudWatch metric filter on StartInstances and an alarm on more
 * than 100 calls in 24 hours, given as `aws logs describe-metric-filters` and `aws cloudwatch
 * describe-alarms` print them, replayed over a real lake.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMetricAlarms, parseMetricFilters } from '../../src/detect/cloudwatch-config.js';
import { replayAlarms } from '../../src/detect/replay-alarms.js';
import { ingest } from '../../src/ingest/ingest.js';
import { tempDir } from '../util/cli.js';

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2026-03-01T00:00:00Z');

function events(day: number, name: string, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    eventVersion: '1.09',
    eventTime: new Date(FIRST_DAY + day * DAY_MS + 60_000 + i * 1000).toISOString(),
    eventSource: 'ec2.amazonaws.com',
    eventName: name,
    eventID: `${name}-${String(day)}-${String(i)}`,
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/ops/x' },
  }));
}

const METRIC_FILTERS = {
  metricFilters: [
    {
      filterName: 'StartInstancesCount',
      filterPattern: '{ $.eventName = "StartInstances" }',
      metricTransformations: [
        {
          metricName: 'StartInstancesCount',
          metricNamespace: 'CloudTrailMetrics',
          metricValue: '1',
          defaultValue: 0,
        },
      ],
      creationTime: 1_700_000_000_000,
      logGroupName: 'aws-cloudtrail-logs',
    },
  ],
};

const ALARMS = {
  MetricAlarms: [
    {
      AlarmName: 'TooManyStartInstances',
      MetricName: 'StartInstancesCount',
      Namespace: 'CloudTrailMetrics',
      Statistic: 'Sum',
      Dimensions: [],
      Period: 86_400,
      EvaluationPeriods: 1,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      StateValue: 'OK',
    },
    {
      AlarmName: 'NoFilterForThis',
      MetricName: 'Unpublished',
      Namespace: 'CloudTrailMetrics',
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    },
    {
      AlarmName: 'MathAlarm',
      Metrics: [{ Id: 'm1', Expression: 'SUM(METRICS())' }],
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    },
  ],
  CompositeAlarms: [],
};

describe('CloudWatch alarms replayed over the lake', () => {
  const dir = tempDir('alarms');
  const lake = path.join(dir, 'lake');

  beforeAll(async () => {
    const archive = path.join(dir, 'archive');
    mkdirSync(archive, { recursive: true });
    const days = [
      [...events(0, 'StartInstances', 120), ...events(0, 'DescribeInstances', 10)],
      [...events(1, 'StartInstances', 30), ...events(1, 'StopInstances', 5)],
      events(2, 'RunInstances', 5),
    ];
    days.forEach((records, day) => {
      writeFileSync(
        path.join(archive, `day-${String(day)}.json.gz`),
        gzipSync(JSON.stringify({ Records: records })),
      );
    });
    const summary = await ingest({ sources: [archive], lakeDir: lake, workers: 1 });
    expect(summary.errors).toBe(0);
  }, 60_000);

  it('fires the seed 001 alarm on the day of 120 StartInstances calls and clears it the next', async () => {
    const filters = parseMetricFilters(METRIC_FILTERS, 'filters.json');
    const { alarms, setAside } = parseMetricAlarms(ALARMS, 'alarms.json');
    const result = await replayAlarms({ lakeDir: lake, metricFilters: filters, alarms });
    const day = (n: number): number => (FIRST_DAY + n * DAY_MS) / 1000;
    expect(result.replays).toHaveLength(1);
    expect(result.replays[0]?.filters).toEqual(['StartInstancesCount']);
    expect(result.replays[0]?.transitions).toEqual([
      {
        time: day(1),
        previousState: 'INSUFFICIENT_DATA',
        state: 'ALARM',
        value: 120,
        datapoints: [120],
      },
      { time: day(2), previousState: 'ALARM', state: 'OK', value: 30, datapoints: [120, 30] },
    ]);
    expect([...setAside, ...result.setAside]).toEqual([
      { name: 'MathAlarm', reason: 'alarms on metric math are not replayed' },
      {
        name: 'NoFilterForThis',
        reason: 'no metric filter publishes CloudTrailMetrics/Unpublished',
      },
    ]);
  });

  it('counts the default value in periods with events but no match (Minimum over a day with none)', async () => {
    const filters = parseMetricFilters(METRIC_FILTERS, 'filters.json');
    const { alarms } = parseMetricAlarms(
      {
        MetricAlarms: [
          {
            ...ALARMS.MetricAlarms[0],
            AlarmName: 'QuietDay',
            Threshold: 1,
            ComparisonOperator: 'LessThanThreshold',
          },
        ],
      },
      'alarms.json',
    );
    const result = await replayAlarms({ lakeDir: lake, metricFilters: filters, alarms });
    expect(result.replays[0]?.transitions.map((t) => [t.state, t.value])).toEqual([
      ['OK', 120],
      ['ALARM', 0],
    ]);
  });

  it.each([
    [{}, 'filters.json: expected a JSON object with a "metricFilters" array'],
    [
      {
        metricFilters: [
          { filterName: 'x', filterPattern: '{ $.a = 1 }', metricTransformations: [] },
        ],
      },
      'filters.json: metricFilters[0]: "metricTransformations" must be a non-empty array',
    ],
    [
      {
        metricFilters: [
          {
            filterName: 'x',
            filterPattern: '{ $.a = 1 }',
            metricTransformations: [{ metricName: 'm', metricNamespace: 'n', metricValue: 'lots' }],
          },
        ],
      },
      'filters.json: metricFilters[0].metricTransformations[0]: "metricValue" must be a number or a $.field selector',
    ],
  ])('refuses a malformed filter file in one line: %j', (document, message) => {
    expect(() => parseMetricFilters(document, 'filters.json')).toThrow(message);
  });
});
