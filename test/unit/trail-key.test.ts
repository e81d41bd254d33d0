import { describe, expect, it } from 'vitest';
import { parseTrailKey } from '../../src/source/trail-key.js';

describe('parseTrailKey', () => {
  it.each([
    [
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/09/111122223333_CloudTrail_us-east-1_20240509T0005Z_abc.json.gz',
      { kind: 'log', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
    ],
    [
      'my-prefix/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/eu-west-1/2025/01/31/x.json.gz',
      {
        kind: 'log',
        orgId: 'o-a1b2c3d4e5',
        account: '444455556666',
        region: 'eu-west-1',
        day: '2025-01-31',
      },
    ],
    [
      '/data/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/09/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240509T000000Z.json.gz',
      { kind: 'digest', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
    ],
    [
      'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/09/f.json.gz',
      { kind: 'insight', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
    ],
    ['/tmp/export/events.json.gz', { kind: 'log' }],
    [
      'AWSLogs/111122223333/CloudTrail/us-east-1/events.json.gz',
      { kind: 'log', account: '111122223333', region: 'us-east-1' },
    ],
    ['AWSLogs/111122223333/Other/us-east-1/2024/05/09/f.json.gz', { kind: 'log' }],
  ])('%s', (key, expected) => {
    expect(parseTrailKey(key)).toEqual(expected);
  });

  describe("outside the layout, from CloudTrail's file name", () => {
    const LOG = '111122223333_CloudTrail_us-east-1_20240509T2355Z_Mu0KsOhtH1ar15ZZ.json.gz';
    it.each([
      [
        `/tmp/flat/${LOG}`,
        { kind: 'log', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
      ],
      [
        LOG.replace(/\.gz$/, ''),
        { kind: 'log', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
      ],
      [
        `C:\\logs\\${LOG}`,
        { kind: 'log', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
      ],
      [
        'exports/444455556666_CloudTrail-Insight_us-gov-west-1_20250131T0000Z_AbCdEfGhIjKlMnOp.json.gz',
        { kind: 'insight', account: '444455556666', region: 'us-gov-west-1', day: '2025-01-31' },
      ],
      [
        '/tmp/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240509T000000Z.json.gz',
        { kind: 'digest', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
      ],
      [
        // Trail names may hold underscores and periods; the home region comes after them.
        '111122223333_CloudTrail-Digest_eu-west-1_org_trail.v2_us-east-1_20240229T235959Z_backfill.json.gz',
        { kind: 'digest', account: '111122223333', region: 'eu-west-1', day: '2024-02-29' },
      ],
      [
        '111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240509T000000Z.json.gz.metadata.json',
        { kind: 'digest', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
      ],
      [
        // Not the layout (an unknown folder): the file name speaks.
        `AWSLogs/111122223333/Other/us-east-1/2024/05/09/${LOG}`,
        { kind: 'log', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
      ],
      [
        // The layout wins where both speak.
        'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/09/444455556666_CloudTrail_eu-west-1_20240510T0005Z_AbCdEfGhIjKlMnOp.json.gz',
        { kind: 'log', account: '111122223333', region: 'us-east-1', day: '2024-05-09' },
      ],
    ])('%s', (key, expected) => {
      expect(parseTrailKey(key)).toEqual(expected);
    });

    it.each([
      [
        'an 11-digit account',
        '11112222333_CloudTrail_us-east-1_20240509T2355Z_Mu0KsOhtH1ar15ZZ.json.gz',
      ],
      [
        'a region in capitals',
        '111122223333_CloudTrail_US-EAST-1_20240509T2355Z_Mu0KsOhtH1ar15ZZ.json.gz',
      ],
      [
        'a region without a number',
        '111122223333_CloudTrail_us-east_20240509T2355Z_Mu0KsOhtH1ar15ZZ.json.gz',
      ],
      [
        'a day that does not exist',
        '111122223333_CloudTrail_us-east-1_20230229T2355Z_Mu0KsOhtH1ar15ZZ.json.gz',
      ],
      ['month 13', '111122223333_CloudTrail_us-east-1_20241309T2355Z_Mu0KsOhtH1ar15ZZ.json.gz'],
      ['hour 24', '111122223333_CloudTrail_us-east-1_20240509T2400Z_Mu0KsOhtH1ar15ZZ.json.gz'],
      ['minute 60', '111122223333_CloudTrail_us-east-1_20240509T2360Z_Mu0KsOhtH1ar15ZZ.json.gz'],
      [
        "a digest's time on a log",
        '111122223333_CloudTrail_us-east-1_20240509T235500Z_Mu0KsOhtH1ar15ZZ.json.gz',
      ],
      [
        'a 15-character unique part',
        '111122223333_CloudTrail_us-east-1_20240509T2355Z_Mu0KsOhtH1ar15Z.json.gz',
      ],
      [
        'a 17-character unique part',
        '111122223333_CloudTrail_us-east-1_20240509T2355Z_Mu0KsOhtH1ar15ZZZ.json.gz',
      ],
      [
        'another extension',
        '111122223333_CloudTrail_us-east-1_20240509T2355Z_Mu0KsOhtH1ar15ZZ.json.gz.bak',
      ],
      [
        'a prefix before the account',
        'x111122223333_CloudTrail_us-east-1_20240509T2355Z_Mu0KsOhtH1ar15ZZ.json.gz',
      ],
      ['just underscores', '111122223333_CloudTrail_notes_final.json'],
    ])('reads nothing from %s', (_, name) => {
      expect(parseTrailKey(`/tmp/${name}`)).toEqual({ kind: 'log' });
    });

    it.each([
      [
        "a log's time on a digest",
        '111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240509T0000Z.json.gz',
      ],
      [
        'a home region that is not one',
        '111122223333_CloudTrail-Digest_us-east-1_t_home_20240509T000000Z.json.gz',
      ],
      [
        'second 60',
        '111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240509T000060Z.json.gz',
      ],
    ])('knows a digest but reads nothing else from %s', (_, name) => {
      expect(parseTrailKey(name)).toEqual({ kind: 'digest' });
    });
  });
});
