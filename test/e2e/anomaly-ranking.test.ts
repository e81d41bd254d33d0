/**
 * First-seen anomalies and their ranking, on a real lake of crafted principals: a role whose
 * stolen credentials launch instances in a new region from a new network with a new client
 * (seed 003's case) is high on every dimension; a CI runner that churns through networks, a
 * principal trying a new read-only API, and one doing what it always does raise nothing above
 * low; a new write API alone is low; an hour of forty times the usual calls is medium.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { detect } from '../../src/detect/detect.js';
import type { Finding } from '../../src/detect/finding.js';
import { ingest } from '../../src/ingest/ingest.js';
import { tempDir } from '../util/cli.js';

const ACCOUNT = '111122223333';
const DAY = 86_400_000;
const START = Date.parse('2026-05-01T00:00:00Z');
const WINDOW = new Date(START + 15 * DAY).toISOString().replace('.000Z', 'Z');
const TRAINER_ROLE = `arn:aws:iam::${ACCOUNT}:role/TrainerRole`;

interface Who {
  readonly identity: Record<string, unknown>;
}

const user = (name: string): Who => ({
  identity: {
    type: 'IAMUser',
    principalId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accountId: ACCOUNT,
    userName: name,
  },
});

const trainer: Who = {
  identity: {
    type: 'AssumedRole',
    principalId: 'AROATRAINERROLEXXXXXX:SageMaker',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/TrainerRole/SageMaker`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROATRAINERROLEXXXXXX',
        arn: TRAINER_ROLE,
        accountId: ACCOUNT,
        userName: 'TrainerRole',
      },
      attributes: { creationDate: '2026-05-01T00:00:00Z', mfaAuthenticated: 'false' },
    },
  },
};

let serial = 0;
function event(
  who: Who,
  at: number,
  source: string,
  name: string,
  ip: string,
  agent: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  serial += 1;
  return {
    eventVersion: '1.09',
    userIdentity: who.identity,
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userAgent: agent,
    requestParameters: null,
    responseElements: null,
    requestID: `req-${String(serial)}`,
    eventID: `event-${String(serial)}`,
    readOnly: /^(Get|List|Describe|Head)/.test(name),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    ...extra,
  };
}

const records: Record<string, unknown>[] = [];
const planted: Record<string, string> = {};

function buildStory(): void {
  const ci = user('ci-runner');
  const analyst = user('analyst');
  const steady = user('steady');
  const newbie = user('newbie');
  for (let day = 0; day < 15; day++) {
    for (let i = 0; i < 15; i++) {
      const at = START + day * DAY + i * 600_000;
      // A CI runner gets a new address every run, from many networks.
      records.push(
        event(
          ci,
          at,
          's3.amazonaws.com',
          'GetObject',
          `52.${String(day)}.${String(i)}.9`,
          'aws-cli/2.15.0',
        ),
      );
      records.push(
        event(
          trainer,
          at + 1000,
          's3.amazonaws.com',
          'GetObject',
          'sagemaker.amazonaws.com',
          'sagemaker.amazonaws.com',
        ),
      );
      records.push(
        event(
          trainer,
          at + 2000,
          'kms.amazonaws.com',
          'Decrypt',
          'sagemaker.amazonaws.com',
          'sagemaker.amazonaws.com',
        ),
      );
      records.push(
        event(
          analyst,
          at + 3000 + (i % 5) * 3_600_000,
          'ec2.amazonaws.com',
          'DescribeInstances',
          '10.1.1.5',
          'Boto3/1.34.0 md/Botocore#1.34.0',
        ),
      );
      records.push(
        event(
          steady,
          at + 4000,
          'ssm.amazonaws.com',
          'GetParameter',
          '10.2.2.2',
          'aws-sdk-go/1.50',
        ),
      );
    }
  }
  const w = START + 15 * DAY;
  // In the window: the churning runner from yet another network.
  records.push(
    event(ci, w + 60_000, 's3.amazonaws.com', 'GetObject', '99.99.99.9', 'aws-cli/2.15.0'),
  );
  // The trainer's credentials elsewhere: a new region, network, client and API together.
  const launch = event(
    trainer,
    w + 120_000,
    'ec2.amazonaws.com',
    'RunInstances',
    '203.0.113.77',
    'aws-cli/2.15.30 Python/3.11.8',
    {
      awsRegion: 'ap-southeast-2',
      requestParameters: {
        instanceType: 'p5.48xlarge',
        instancesSet: { items: [{ minCount: 8, maxCount: 8 }] },
      },
    },
  );
  planted['launch'] = launch['eventID'] as string;
  records.push(launch);
  // The analyst: a new read-only API, a new write API, then an hour of 200 calls.
  records.push(
    event(analyst, w + 180_000, 's3.amazonaws.com', 'ListBuckets', '10.1.1.5', 'Boto3/1.34.0'),
  );
  const create = event(
    analyst,
    w + 240_000,
    's3.amazonaws.com',
    'CreateBucket',
    '10.1.1.5',
    'Boto3/1.34.0',
  );
  planted['create'] = create['eventID'] as string;
  records.push(create);
  for (let i = 0; i < 200; i++) {
    records.push(
      event(
        analyst,
        w + 3 * 3_600_000 + i * 10_000,
        'ec2.amazonaws.com',
        'DescribeInstances',
        '10.1.1.5',
        'Boto3/1.34.0',
      ),
    );
  }
  // The steady principal does exactly what it always does.
  for (let i = 0; i < 10; i++) {
    records.push(
      event(
        steady,
        w + i * 600_000,
        'ssm.amazonaws.com',
        'GetParameter',
        '10.2.2.2',
        'aws-sdk-go/1.50',
      ),
    );
  }
  // A principal with no history: everything is new, and nothing is judged.
  for (let i = 0; i < 5; i++) {
    records.push(
      event(newbie, w + i * 60_000, 'iam.amazonaws.com', 'CreateUser', '198.51.100.1', 'curl/8.0'),
    );
  }
}

describe('first-seen anomalies', () => {
  const dir = tempDir('anomalies');
  const lake = path.join(dir, 'lake');
  let findings: readonly Finding[] = [];
  const of = (principal: string): Finding[] =>
    findings.filter((f) => (f.details['entity'] as string).endsWith(principal));

  beforeAll(async () => {
    buildStory();
    const archive = path.join(dir, 'archive');
    mkdirSync(archive, { recursive: true });
    writeFileSync(
      path.join(archive, 'records.json.gz'),
      gzipSync(JSON.stringify({ Records: records })),
    );
    const summary = await ingest({ sources: [archive], lakeDir: lake, workers: 1 });
    expect(summary.errors).toBe(0);
    findings = (await detect({ lakeDir: lake, packs: ['anomalies'], since: WINDOW })).findings;
  }, 60_000);

  it('ranks seed 003 high on every dimension, corroborated by shared events', () => {
    const trainerFindings = of('role/TrainerRole');
    const byDimension = new Map(trainerFindings.map((f) => [f.details['dimension'], f]));
    expect(byDimension.get('region')?.details['value']).toBe('ap-southeast-2');
    expect(byDimension.get('sourceIp')?.details['value']).toBe('203.0.113.0/24');
    expect(byDimension.get('userAgent')?.details['value']).toBe('aws-cli');
    expect(byDimension.get('api')?.details['value']).toBe('ec2.amazonaws.com:RunInstances');
    for (const f of trainerFindings) {
      expect(f.severity).toBe('high');
      expect(f.kind).toBe('anomaly');
      expect(f.principal).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/TrainerRole/SageMaker`);
      expect(f.events.map((e) => e.eventID)).toContain(planted['launch']);
      expect(f.details['baselineUntil']).toBe(WINDOW);
    }
    expect(byDimension.get('region')?.details['corroboratedBy']).toEqual([
      'api',
      'sourceIp',
      'userAgent',
    ]);
    expect(byDimension.get('region')?.mitre).toContain('T1078.004');
  });

  it('keeps a churning dimension and a new read-only API at info', () => {
    const ci = of('user/ci-runner');
    expect(ci.map((f) => [f.details['dimension'], f.severity])).toEqual([['sourceIp', 'info']]);
    const listBuckets = of('user/analyst').find(
      (f) => f.details['value'] === 's3.amazonaws.com:ListBuckets',
    );
    expect(listBuckets?.severity).toBe('info');
  });

  it('raises a lone new write API as low, and forty times the busiest hour as medium', () => {
    const analyst = of('user/analyst');
    const create = analyst.find((f) => f.details['value'] === 's3.amazonaws.com:CreateBucket');
    expect(create?.severity).toBe('low');
    expect(create?.events.map((e) => e.eventID)).toEqual([planted['create']]);
    const volume = analyst.find((f) => f.details['dimension'] === 'volume');
    expect(volume?.severity).toBe('medium');
    expect(volume?.details['value']).toBe(200);
    expect(volume?.eventCount).toBe(200);
    expect(volume?.events).toHaveLength(100);
    expect(Number(volume?.details['busiestBaselineHour'])).toBeLessThan(20);
  });

  it('raises nothing for a principal doing what it always does, or one without history', () => {
    expect(of('user/steady')).toEqual([]);
    expect(of('user/newbie')).toEqual([]);
  });

  it('raises nothing medium or higher except for the intruder and the burst', () => {
    const loud = findings.filter((f) => f.severity === 'medium' || f.severity === 'high');
    expect(
      loud.every(
        (f) => f.details['entity'] === TRAINER_ROLE || f.details['dimension'] === 'volume',
      ),
    ).toBe(true);
  });
});
