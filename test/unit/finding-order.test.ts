import { describe, expect, it } from 'vitest';
import { compareFindings, type Finding } from '../../src/detect/finding.js';

function finding(overrides: Partial<Finding>): Finding {
  return {
    rule: 'r',
    title: 't',
    severity: 'low',
    kind: 'event',
    time: '2026-11-24T12:40:01Z',
    principal: 'arn:aws:sts::111122223333:assumed-role/R/s',
    accountId: '111122223333',
    region: 'us-east-1',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    eventCount: 1,
    events: [],
    details: {},
    mitre: [],
    ...overrides,
  };
}

describe('compareFindings', () => {
  it('orders findings that tie on severity, time, rule and principal by every other key', () => {
    const findings = [
      finding({ eventName: 'PutObject' }),
      finding({ region: 'eu-west-1' }),
      finding({ severity: 'high' }),
      finding({ accountId: '000000000000' }),
      finding({ eventSource: 'bedrock.amazonaws.com' }),
      finding({
        events: [{ eventID: 'b', eventTime: null, sourceObject: '/a.json.gz', recordIndex: 10 }],
      }),
      finding({
        events: [{ eventID: 'a', eventTime: null, sourceObject: '/a.json.gz', recordIndex: 9 }],
      }),
    ];
    const sorted = [...findings].sort(compareFindings);
    // Whatever order they come in, they leave in one order.
    for (let shift = 1; shift < findings.length; shift++) {
      const rotated = [...findings.slice(shift), ...findings.slice(0, shift)];
      expect(rotated.reverse().sort(compareFindings)).toEqual(sorted);
    }
    expect(sorted[0]?.severity).toBe('high');
    expect(sorted[1]?.accountId).toBe('000000000000');
    expect(sorted.slice(-2).map((f) => f.eventName)).toEqual(['GetObject', 'PutObject']);
    const byEvidence = sorted.filter((f) => f.events.length > 0).map((f) => f.events[0]?.eventID);
    expect(byEvidence).toEqual(['a', 'b']);
  });
});
