/**
 * An ALARM finding's evidence is the events of the periods that decided it (the last
 * EvaluationPeriods), not of the two earlier ones CloudWatch's N+2 evaluation range also
 * looks at: seed 001's alarm on the day of 101 StartInstances, after a day of 100.
 */
import { expect, it } from 'vitest';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { detect } from '../../src/detect/detect.js';
import { ingest } from '../../src/ingest/ingest.js';
import { tempDir } from '../util/cli.js';

const ev = (day: number, i: number) => ({
  eventVersion: '1.09',
  eventTime: new Date(
    Date.parse('2026-03-01T00:00:00Z') + day * 86400000 + 60000 + i * 1000,
  ).toISOString(),
  eventSource: 'ec2.amazonaws.com',
  eventName: 'StartInstances',
  eventID: `day${day}-${i}`,
  awsRegion: 'us-east-1',
  recipientAccountId: '111122223333',
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/ops/x' },
});
it('seed 001: evidence of the day of 101 calls', async () => {
  const dir = tempDir('repro');
  mkdirSync(path.join(dir, 'a'));
  const recs = [
    ...Array.from({ length: 100 }, (_, i) => ev(0, i)),
    ...Array.from({ length: 101 }, (_, i) => ev(1, i)),
  ];
  writeFileSync(path.join(dir, 'a', 'x.json.gz'), gzipSync(JSON.stringify({ Records: recs })));
  await ingest({ sources: [path.join(dir, 'a')], lakeDir: path.join(dir, 'lake'), workers: 1 });
  const [f] = (await detect({ lakeDir: path.join(dir, 'lake'), packs: ['seeds'] })).findings;
  expect(f?.details['value']).toBe(101);
  expect(f?.details['datapoints']).toEqual([100, 101]);
  expect(f?.eventCount).toBe(101);
  expect(f?.events.every((e) => e.eventID?.startsWith('day1-'))).toBe(true);
  expect(f?.time).toBe('2026-03-03T00:00:00Z');
});
