/**
 * The investigation's JSON is written with its timeline streamed in (render-json.ts): the text
 * must be exactly what JSON.stringify(…, null, 2) makes of the whole object, whatever the chunks.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Investigation, TimelineEvent } from '../../src/investigate/investigation.js';
import { writeInvestigationJson } from '../../src/investigate/render-json.js';

function event(i: number): TimelineEvent {
  return {
    eventTime: `2026-11-30T12:00:0${String(i)}Z`,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: i % 2 === 0 ? null : '192.0.2.1',
    errorCode: null,
    principal: 'arn:aws:sts::111122223333:assumed-role/R/s',
    eventID: `id-${String(i)} "quoted" \n[]`,
    sourceObject: 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/30/x.json.gz',
    recordIndex: i,
  };
}

function investigation(timeline: TimelineEvent[]): Investigation {
  // Only the layout matters here: a few fields of every shape (objects, arrays, nulls, text with
  // the `[]` the writer looks for) stand for the whole contract.
  return {
    entity: { kind: 'role', id: 'arn:aws:iam::111122223333:role/R[]' },
    scope: { since: '2026-11-30T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' },
    findings: [],
    errorCodes: [{ errorCode: 'AccessDenied', events: 2 }],
    timeline,
  } as unknown as Investigation;
}

async function written(inv: Investigation, chunkSize: number): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const { timeline } = inv;
  await writeInvestigationJson({ ...inv, timeline: [] }, out, async (each) => {
    for (let i = 0; i < timeline.length; i += chunkSize)
      await each(timeline.slice(i, i + chunkSize));
  });
  return text;
}

describe('writeInvestigationJson', () => {
  it.each([
    [0, 1],
    [1, 1],
    [5, 2],
    [5, 5],
  ])('%i events in chunks of %i: the text JSON.stringify makes', async (events, chunk) => {
    const inv = investigation(Array.from({ length: events }, (_, i) => event(i)));
    expect(await written(inv, chunk)).toBe(JSON.stringify(inv, null, 2) + '\n');
  });
});
