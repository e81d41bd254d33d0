import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  matchesFilter,
  type ObjectSelection,
  parseObjectFilter,
} from '../../src/source/object-filter.js';
import { parseS3Uri } from '../../src/source/s3-settings.js';
import { parseTrailKey } from '../../src/source/trail-key.js';

describe('parseObjectFilter', () => {
  it('widens --until by a day for late deliveries and accepts times', () => {
    expect(
      parseObjectFilter({
        since: '2024-05-09',
        until: '2024-05-10T13:00:00Z',
        account: ['111122223333'],
        region: [],
      }),
    ).toEqual({
      sinceDay: '2024-05-09',
      untilDay: '2024-05-11',
      accounts: ['111122223333'],
    });
  });

  it.each([
    [{ since: '2026-02-30' }, '--since 2026-02-30: not a date or time'],
    [{ until: '2026-13-01' }, '--until 2026-13-01: not a date or time'],
    [{ until: '+275760-09-13T00:00:00Z' }, '--until +275760-09-13T00:00:00Z: year out of range'],
    [{ account: ['1234'] }, '--account 1234: expected a 12-digit account ID'],
    [{ account: ['111122223333', 'abcdefghijkl'] }, '--account abcdefghijkl: expected'],
    [{ region: ['US_EAST_1'] }, '--region US_EAST_1: expected a region name'],
    [{ region: ['../x'] }, '--region ../x: expected a region name'],
  ])('refuses %j', (flags, message) => {
    expect(() => parseObjectFilter(flags)).toThrow(message);
  });

  it.each(['us-east-1', 'eu-central-2', 'us-gov-west-1', 'cn-north-1', 'ap-southeast-5'])(
    'accepts the region %s',
    (region) => {
      expect(parseObjectFilter({ region: [region] })).toEqual({ regions: [region] });
    },
  );

  it.each([
    [
      { since: 'yesterday' },
      '--since yesterday: not a date or time (try 2024-05-09 or 2024-05-09T12:00:00Z)',
    ],
    [{ since: '2024-05-10', until: '2024-05-09' }, '--since is after --until'],
  ])('refuses %j', (flags, message) => {
    expect(() => parseObjectFilter(flags)).toThrow(new UsageError(message));
  });
});

describe('matchesFilter', () => {
  const key = parseTrailKey('AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/09/f.json.gz');
  it.each([
    [{}, true],
    [{ sinceDay: '2024-05-09', untilDay: '2024-05-09' }, true],
    [{ sinceDay: '2024-05-10' }, false],
    [{ untilDay: '2024-05-08' }, false],
    [{ accounts: ['111122223333'] }, true],
    [{ accounts: ['444455556666'] }, false],
    [{ regions: ['eu-west-1', 'us-east-1'] }, true],
    [{ regions: ['eu-west-1'] }, false],
  ])('%j → %s', (filter, expected) => {
    expect(matchesFilter(key, filter)).toBe(expected);
  });

  it('always reads objects outside the layout', () => {
    expect(
      matchesFilter(parseTrailKey('/exports/events.json.gz'), {
        sinceDay: '2030-01-01',
        regions: ['x'],
      }),
    ).toBe(true);
  });
});

describe('a flat directory of files named as CloudTrail names them, outside the AWSLogs layout', () => {
  const dir = '/srv/support-case-1234';
  const files = {
    late: `${dir}/111122223333_CloudTrail_us-east-1_20240508T2355Z_AAAAAAAAAAAAAAAA.json.gz`,
    noon: `${dir}/111122223333_CloudTrail_us-east-1_20240509T1200Z_BBBBBBBBBBBBBBBB.json.gz`,
    // Delivered ten minutes into the 10th: it can hold events of 23:59 on the 9th.
    nextMorning: `${dir}/111122223333_CloudTrail_eu-west-1_20240510T0010Z_CCCCCCCCCCCCCCCC.json.gz`,
    otherAccount: `${dir}/444455556666_CloudTrail_us-east-1_20240511T0010Z_DDDDDDDDDDDDDDDD.json`,
    insight: `${dir}/444455556666_CloudTrail-Insight_us-east-1_20240512T0000Z_EEEEEEEEEEEEEEEE.json.gz`,
    // Not CloudTrail's name: says nothing, so it is always read.
    export: `${dir}/events-export.json.gz`,
  };
  type Name = keyof typeof files;

  it.each<[ObjectSelection, Name[]]>([
    [{}, ['late', 'noon', 'nextMorning', 'otherAccount', 'insight', 'export']],
    [{ since: '2024-05-09', until: '2024-05-09' }, ['noon', 'nextMorning', 'export']],
    [{ since: '2024-05-11' }, ['otherAccount', 'insight', 'export']],
    [{ until: '2024-05-08T23:59:00Z' }, ['late', 'noon', 'export']],
    [{ account: ['444455556666'] }, ['otherAccount', 'insight', 'export']],
    [{ region: ['eu-west-1'] }, ['nextMorning', 'export']],
    [{ since: '2024-05-09', account: ['111122223333'], region: ['us-east-1'] }, ['noon', 'export']],
  ])('%j reads %j', (selection, expected) => {
    const filter = parseObjectFilter(selection);
    const read = (Object.keys(files) as Name[]).filter((name) =>
      matchesFilter(parseTrailKey(files[name]), filter),
    );
    expect(read).toEqual(expected);
  });
});

describe('parseS3Uri', () => {
  it.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/a/b/', { bucket: 'bucket', prefix: 'a/b/' }],
    ['s3://bucket/AWSLogs/o-abc/1', { bucket: 'bucket', prefix: 'AWSLogs/o-abc/1' }],
    ['s3:///nobucket', undefined],
  ])('%s', (uri, expected) => {
    expect(parseS3Uri(uri)).toEqual(expected);
  });
});
