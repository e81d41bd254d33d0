/**
 * fixtures/generator/forms.ts: every form holds exactly the events it was given. Each form is
 * read back here by its own rules (JSON per line, per page, per concatenated object, the event
 * as a JSON string inside an envelope), independently of how ctlake decodes it.
 */
import { describe, expect, it } from 'vitest';
import { backgroundCall, record } from '../../fixtures/generator/events.js';
import {
  encodeEventForm,
  EVENT_FORMS,
  type EventFile,
  type EventForm,
  LOOKUP_PAGE_EVENTS,
} from '../../fixtures/generator/forms.js';
import { castFor, type JsonObject } from '../../fixtures/generator/identities.js';
import { Rng } from '../../fixtures/generator/rng.js';

function generatedEvents(count: number): JsonObject[] {
  const rng = new Rng(7);
  const casts = [
    castFor('111122223333', rng, '203.0.113'),
    castFor('444455556666', rng, '198.51.100'),
  ];
  const start = Date.parse('2026-05-09T23:40:00Z');
  const events: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    const cast = rng.pick(casts);
    const at = new Date(start + i * 17_000);
    events.push(record(rng, backgroundCall(rng, cast, at, rng.pick(['us-east-1', 'eu-west-1']))));
  }
  const cast = casts[0];
  if (!cast) throw new Error('no cast');
  const at = new Date(start + count * 17_000);
  events.push(
    record(rng, {
      source: 'signin.amazonaws.com',
      name: 'ConsoleLogin',
      principal: cast.consoleAdmin,
      at,
      region: 'us-east-1',
      responseElements: { ConsoleLogin: 'Success' },
      eventType: 'AwsConsoleSignIn',
    }),
    record(rng, {
      source: 'kms.amazonaws.com',
      name: 'RotateKey',
      principal: cast.services[0] ?? cast.admin,
      at,
      region: 'eu-west-1',
      eventType: 'AwsServiceEvent',
    }),
    // Text a form could mangle: line breaks, a tab, braces that look like a payload boundary,
    // quotes, a backslash, U+2028 and characters outside the BMP.
    record(rng, {
      source: 's3.amazonaws.com',
      name: 'PutObject',
      principal: cast.developer,
      at,
      region: 'us-east-1',
      category: 'Data',
      requestParameters: {
        key: 'notes/line one\r\nline two\n\t}{"Records":[]}\\ "quoted" \u2028 café 🤖',
      },
    }),
  );
  return events;
}

/** A field as text: strings as they are, anything else as its JSON. */
function field(event: JsonObject, key: string): string {
  const value = event[key];
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function onlyText(files: readonly EventFile[]): string {
  expect(files).toHaveLength(1);
  return files[0]?.bytes.toString('utf8') ?? '';
}

function lines(text: string): string[] {
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text.split('\n').slice(0, -1);
}

/** JSON documents written one after another, with or without whitespace between them. */
function concatenatedDocuments(text: string): unknown[] {
  const documents: unknown[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) documents.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new Error(`${c} between documents at ${String(i)}`);
    }
  }
  expect(depth).toBe(0);
  return documents;
}

interface LookupPage {
  Events: { CloudTrailEvent: string; EventId: string; EventTime: string; ReadOnly?: string }[];
  NextToken?: string;
}
interface FilterLogEvents {
  events: {
    logStreamName: string;
    timestamp: number;
    message: string;
    ingestionTime: number;
    eventId: string;
  }[];
  searchedLogStreams: unknown[];
}
interface SubscriptionPayload {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}
interface EventBridgeEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: unknown[];
  detail: JsonObject;
}

const EXPORT_LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (.*)$/s;

/** Each form read back to its events, by the form's own rules. */
const decode: Record<EventForm, (files: readonly EventFile[]) => unknown[]> = {
  records: (files) => (JSON.parse(onlyText(files)) as { Records: unknown[] }).Records,
  'records-pretty-crlf': (files) => (JSON.parse(onlyText(files)) as { Records: unknown[] }).Records,
  ndjson: (files) => lines(onlyText(files)).map((line) => JSON.parse(line) as unknown),
  array: (files) => JSON.parse(onlyText(files)) as unknown[],
  single: (files) => files.map((f) => JSON.parse(f.bytes.toString('utf8')) as unknown),
  'lookup-events': (files) =>
    (concatenatedDocuments(onlyText(files)) as LookupPage[]).flatMap((page) =>
      page.Events.map((e) => JSON.parse(e.CloudTrailEvent) as unknown),
    ),
  'cloudwatch-filter-log-events': (files) =>
    (JSON.parse(onlyText(files)) as FilterLogEvents).events.map(
      (e) => JSON.parse(e.message) as unknown,
    ),
  'cloudwatch-subscription': (files) =>
    (concatenatedDocuments(onlyText(files)) as SubscriptionPayload[]).flatMap((payload) =>
      payload.logEvents.map((e) => JSON.parse(e.message) as unknown),
    ),
  'cloudwatch-export': (files) =>
    lines(onlyText(files)).map((line) => JSON.parse(EXPORT_LINE.exec(line)?.[2] ?? '') as unknown),
  eventbridge: (files) =>
    lines(onlyText(files)).map((line) => (JSON.parse(line) as EventBridgeEvent).detail),
};

describe('encodeEventForm', () => {
  const events = generatedEvents(117);

  it.each(EVENT_FORMS)('%s holds exactly the events, in order', (form) => {
    expect(decode[form](encodeEventForm(events, form))).toEqual(events);
  });

  it.each(EVENT_FORMS)('%s of no events holds none', (form) => {
    expect(decode[form](encodeEventForm([], form))).toEqual([]);
  });

  it.each(EVENT_FORMS)('%s is the same bytes every time', (form) => {
    // As base64: comparing Buffers element by element takes seconds.
    const snapshot = (files: readonly EventFile[]): string[] =>
      files.map((f) => `${f.name} ${f.bytes.toString('base64')}`);
    expect(snapshot(encodeEventForm(events, form))).toEqual(
      snapshot(encodeEventForm(generatedEvents(117), form)),
    );
  });

  it('records: one line, as CloudTrail writes it', () => {
    expect(onlyText(encodeEventForm(events, 'records'))).toBe(JSON.stringify({ Records: events }));
  });

  it('records-pretty-crlf: CRLF line ends only, and a tab', () => {
    const text = onlyText(encodeEventForm(events, 'records-pretty-crlf'));
    expect(text).toContain('\r\n  ');
    expect(text).toMatch(/^\{\r\n\t"Records": \[/);
    expect(text).not.toMatch(/[^\r]\n/);
  });

  it('single: one file per event', () => {
    const files = encodeEventForm(events, 'single');
    expect(files).toHaveLength(events.length);
    expect(new Set(files.map((f) => f.name)).size).toBe(events.length);
    expect(files[0]?.name).toBe('single-001.json');
  });

  it('lookup-events: pages of 50 as the CLI prints them, a NextToken on all but the last', () => {
    const text = onlyText(encodeEventForm(events, 'lookup-events'));
    const pages = concatenatedDocuments(text) as LookupPage[];
    expect(pages.map((p) => p.Events.length)).toEqual([50, 50, events.length - 100]);
    expect(LOOKUP_PAGE_EVENTS).toBe(50);
    expect(pages.map((p) => typeof p.NextToken)).toEqual(['string', 'string', 'undefined']);
    expect(text.startsWith('{\n    "Events": [\n        {\n            "EventId": ')).toBe(true);
    for (const [i, entry] of pages.flatMap((p) => p.Events).entries()) {
      const event = events[i] ?? {};
      expect(entry.EventId).toBe(event['eventID']);
      expect(entry.EventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      expect(Date.parse(entry.EventTime)).toBe(Date.parse(field(event, 'eventTime')));
      expect(entry.ReadOnly).toBe(field(event, 'readOnly'));
    }
  });

  it('cloudwatch-filter-log-events: streams and times as CloudTrail writes them to CloudWatch', () => {
    const output = JSON.parse(
      onlyText(encodeEventForm(events, 'cloudwatch-filter-log-events')),
    ) as FilterLogEvents;
    expect(output.searchedLogStreams).toEqual([]);
    for (const [i, logEvent] of output.events.entries()) {
      const event = events[i] ?? {};
      expect(logEvent.logStreamName).toBe(
        `${field(event, 'recipientAccountId')}_CloudTrail_${field(event, 'awsRegion')}`,
      );
      expect(logEvent.timestamp).toBe(Date.parse(field(event, 'eventTime')));
      expect(logEvent.ingestionTime).toBeGreaterThan(logEvent.timestamp);
      expect(logEvent.eventId).toMatch(/^\d{56}$/);
    }
    expect(new Set(output.events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('cloudwatch-subscription: several payloads, back to back with no separator', () => {
    const text = onlyText(encodeEventForm(events, 'cloudwatch-subscription'));
    const payloads = concatenatedDocuments(text) as SubscriptionPayload[];
    expect(payloads.length).toBeGreaterThan(events.length / 10);
    expect(text).not.toContain('\n');
    expect(text.split('}{"messageType":"DATA_MESSAGE"')).toHaveLength(payloads.length);
    for (const payload of payloads) {
      expect(payload.messageType).toBe('DATA_MESSAGE');
      expect(payload.logGroup).toMatch(
        new RegExp(`^aws-cloudtrail-logs-${payload.owner}-[0-9a-f]{8}$`),
      );
      expect(payload.subscriptionFilters).toHaveLength(1);
      for (const logEvent of payload.logEvents) {
        const event = JSON.parse(logEvent.message) as JsonObject;
        expect(payload.owner).toBe(event['recipientAccountId']);
        expect(payload.logStream).toBe(`${payload.owner}_CloudTrail_${field(event, 'awsRegion')}`);
        expect(logEvent.timestamp).toBe(Date.parse(field(event, 'eventTime')));
        expect(logEvent.id).toMatch(/^\d{56}$/);
      }
    }
  });

  it('cloudwatch-export: each line starts with the time in milliseconds', () => {
    const text = onlyText(encodeEventForm(events, 'cloudwatch-export'));
    for (const [i, line] of lines(text).entries()) {
      const time = EXPORT_LINE.exec(line)?.[1];
      expect(time).toBe(new Date(Date.parse(field(events[i] ?? {}, 'eventTime'))).toISOString());
    }
  });

  it('eventbridge: the envelope EventBridge puts around each kind of event', () => {
    const envelopes = lines(onlyText(encodeEventForm(events, 'eventbridge'))).map(
      (line) => JSON.parse(line) as EventBridgeEvent,
    );
    const byName = (name: string): EventBridgeEvent | undefined =>
      envelopes.findLast((e) => e.detail['eventName'] === name);
    expect(byName('ConsoleLogin')).toMatchObject({
      'detail-type': 'AWS Console Sign In via CloudTrail',
      source: 'aws.signin',
    });
    expect(byName('RotateKey')).toMatchObject({
      'detail-type': 'AWS Service Event via CloudTrail',
      source: 'aws.kms',
      region: 'eu-west-1',
    });
    expect(byName('PutObject')).toMatchObject({
      version: '0',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.s3',
      account: '111122223333',
      resources: [],
    });
    for (const envelope of envelopes) {
      expect(envelope.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(envelope.time).toBe(envelope.detail['eventTime']);
      expect(envelope.account).toBe(envelope.detail['recipientAccountId']);
    }
    expect(new Set(envelopes.map((e) => e.id)).size).toBe(events.length);
  });

  it('refuses, naming the event, to place an event without an eventTime in time', () => {
    expect(() => encodeEventForm([{ eventID: 'e-1' }], 'eventbridge')).toThrow(
      'event "e-1" has no eventTime',
    );
  });
});
