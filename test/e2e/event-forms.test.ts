/**
 * Every form CloudTrail events travel in gives the same lake rows: the generator writes the same
 * events as a trail's log, pretty-printed with CRLF, NDJSON, a bare array, one file per event,
 * lookup-events pages, CloudWatch Logs output, subscription payloads and export lines, and
 * EventBridge events; one ingest of them all must give each form the rows of the `records` form
 * (provenance aside), each record's text byte-exact from its file (or, embedded in a string, the
 * string's value), and its checksum recomputable from that text.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive, readArchiveRecords } from '../../fixtures/generator/archive.js';
import { EVENT_FORMS, type EventForm, encodeEventForm } from '../../fixtures/generator/forms.js';
import type { JsonObject } from '../../fixtures/generator/identities.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';

/** Forms whose records are JSON strings inside another document: their text is the decoded value. */
const EMBEDDED: ReadonlySet<EventForm> = new Set([
  'lookup-events',
  'cloudwatch-filter-log-events',
  'cloudwatch-subscription',
]);
/** Forms written gzipped, as they are stored (the rest plain, as people save them). */
const GZIPPED: ReadonlySet<EventForm> = new Set([
  'records',
  'ndjson',
  'cloudwatch-subscription',
  'cloudwatch-export',
]);
/** Names as the forms' producers write them (a directory source lists each of these). */
const FILE_NAMES: Partial<Record<EventForm, string>> = {
  ndjson: 'events.jsonl.gz',
  'cloudwatch-export': '000000.gz',
  eventbridge: 'events.ndjson',
};
const PROVENANCE = ['sourceObject', 'recordIndex', 'eventJson', 'eventJsonChecksum'];

describe('every form events travel in gives the same rows', () => {
  const dir = tempDir('forms');
  const formsDir = path.join(dir, 'forms');
  const lake = path.join(dir, 'lake');
  /** The text of each file written, by its path. */
  const written = new Map<string, string>();
  let events: JsonObject[] = [];
  let ingest: { code: number | null; stderr: string };
  let rows: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const archive = path.join(dir, 'archive');
    await generateArchive({
      outDir: archive,
      events: 40,
      seed: 21,
      end: new Date('2026-06-01T00:00:00Z'),
      days: 1,
    });
    events = readArchiveRecords(archive);
    for (const form of EVENT_FORMS) {
      mkdirSync(path.join(formsDir, form), { recursive: true });
      for (const file of encodeEventForm(events, form)) {
        const name = FILE_NAMES[form] ?? (GZIPPED.has(form) ? `${file.name}.gz` : file.name);
        const at = path.join(formsDir, form, name);
        writeFileSync(at, GZIPPED.has(form) ? gzipSync(file.bytes) : file.bytes);
        written.set(at, file.bytes.toString('utf8'));
      }
    }
    ingest = await ctlake(['ingest', formsDir, '--lake', lake, '--workers', '2']);
    rows = await queryRows(lake, 'SELECT * FROM cloudtrail ORDER BY "sourceObject", "recordIndex"');
  });

  const formOf = (row: Record<string, unknown>): string =>
    path.basename(path.dirname(String(row['sourceObject'])));

  it('ingests every event of every form, with no error', () => {
    expect(ingest.stderr).not.toContain('ctlake: ');
    expect(ingest.stderr).toContain(' 0 errors');
    expect(ingest.code).toBe(0);
    expect(events.length).toBeGreaterThan(40);
    for (const form of EVENT_FORMS) {
      expect(rows.filter((r) => formOf(r) === form).length, form).toBe(events.length);
    }
  });

  it('gives each form the rows of CloudTrail’s own log, provenance aside', () => {
    const parsed = (form: string): string[] =>
      rows
        .filter((r) => formOf(r) === form)
        .map((r) =>
          JSON.stringify(Object.entries(r).filter(([column]) => !PROVENANCE.includes(column))),
        )
        .sort();
    const expected = parsed('records');
    expect(new Set(expected).size).toBe(events.length);
    for (const form of EVENT_FORMS) expect(parsed(form), form).toEqual(expected);
  });

  it('keeps each record’s text as it lies in its file, and a checksum anyone can recompute', () => {
    const byEventId = new Map(events.map((e) => [e['eventID'] as string, e]));
    for (const row of rows) {
      const form = formOf(row) as EventForm;
      const text = String(row['eventJson']);
      expect(createHash('sha256').update(text).digest('hex'), form).toBe(row['eventJsonChecksum']);
      expect(JSON.parse(text), form).toEqual(byEventId.get(String(row['eventID'])));
      const file = written.get(String(row['sourceObject'])) ?? '';
      // An embedded event is a string's value; the file holds it escaped.
      const asInFile = EMBEDDED.has(form) ? JSON.stringify(text).slice(1, -1) : text;
      expect(file.includes(asInFile), `${form}: record text not found in its file`).toBe(true);
    }
    const pretty = rows.filter((r) => formOf(r) === 'records-pretty-crlf');
    expect(pretty.every((r) => String(r['eventJson']).includes('\r\n  '))).toBe(true);
  });

  it('numbers records within each file from 0, in file order', () => {
    const byFile = new Map<string, number[]>();
    for (const row of rows) {
      const list = byFile.get(String(row['sourceObject'])) ?? [];
      list.push(Number(row['recordIndex']));
      byFile.set(String(row['sourceObject']), list);
    }
    for (const [file, indexes] of byFile) {
      expect(indexes, file).toEqual(indexes.map((_, i) => i));
    }
  });
});
