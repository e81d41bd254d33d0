/**
 * The two files the AWS CLI prints, as `ctlake detect --metric-filters/--alarms` reads them:
 * a missing, truncated or wrong-shaped file is one usage error naming it and the reason.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCloudWatchFiles } from '../../src/detect/detect.js';
import { UsageError } from '../../src/errors.js';
import { tempDir } from '../util/cli.js';

describe('reading describe-metric-filters and describe-alarms output', () => {
  const dir = tempDir('cloudwatch-files');
  const filters = path.join(dir, 'filters.json');
  const alarms = path.join(dir, 'alarms.json');
  writeFileSync(
    filters,
    JSON.stringify({
      metricFilters: [
        {
          filterName: 'f',
          filterPattern: '{ $.eventName = "StartInstances" }',
          metricTransformations: [{ metricName: 'm', metricNamespace: 'n', metricValue: '1' }],
        },
      ],
    }),
  );
  writeFileSync(alarms, JSON.stringify({ MetricAlarms: [] }));

  it.each([
    [
      'a missing file',
      path.join(dir, 'absent.json'),
      /^--metric-filters .*absent\.json: cannot read it \(ENOENT\)$/,
    ],
    ['a truncated file', 'truncated', /^--metric-filters .*truncated\.json: not JSON \(.+\)$/],
    ['a wrong shape', 'wrong', /wrong\.json.*metricFilters/],
  ])('refuses %s in one line naming it', (_, which, message) => {
    let file = which;
    if (which === 'truncated') {
      file = path.join(dir, 'truncated.json');
      writeFileSync(file, '{"metricFilters": [{"filterName": "f", "filterPat');
    } else if (which === 'wrong') {
      file = path.join(dir, 'wrong.json');
      writeFileSync(file, JSON.stringify({ metricFilters: 'none' }));
    }
    let error: unknown;
    try {
      readCloudWatchFiles(file, alarms);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  it('reads the files the AWS CLI prints', () => {
    const read = readCloudWatchFiles(filters, alarms);
    expect(read.metricFilters.map((f) => f.filterName)).toEqual(['f']);
    expect(read.alarms).toEqual([]);
  });
});
