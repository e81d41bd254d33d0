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
      '/tmp/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240509T000000Z.json.gz',
      { kind: 'digest' },
    ],
    [
      'AWSLogs/111122223333/CloudTrail/us-east-1/events.json.gz',
      { kind: 'log', account: '111122223333', region: 'us-east-1' },
    ],
    ['AWSLogs/111122223333/Other/us-east-1/2024/05/09/f.json.gz', { kind: 'log' }],
  ])('%s', (key, expected) => {
    expect(parseTrailKey(key)).toEqual(expected);
  });
});
