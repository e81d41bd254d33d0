import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fg from 'fast-glob';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ctlake,
  HAS_SHARED,
  NO_SHARED_REASON,
  queryRows,
  REAL_CORPUS,
  tempDir,
  VENDORED_REAL_CORPUS,
} from '../util/cli.js';

interface Original {
  readonly file: string;
  readonly index: number;
  readonly record: Record<string, unknown>;
  /**
   * The record's exact bytes in its (decompressed) file, from its `{` to its `}`; undefined for a
   * record embedded as a JSON string, whose text is the string's value, not bytes of the file.
   */
  readonly bytes: Buffer | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** `,` `]` `}`: what ends a number or literal. */
const SCALAR_ENDS = new Set([0x2c, 0x5d, 0x7d]);

function isJsonSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: Buffer, at: number): number {
  let i = at;
  while (isJsonSpace(text[i])) i++;
  return i;
}

/** The end (exclusive) of the JSON value starting at `at`, which must be well formed. */
function valueEnd(text: Buffer, at: number): number {
  let depth = 0;
  let i = at;
  for (;;) {
    if (i >= text.length) throw new Error(`a JSON value from byte ${String(at)} does not end`);
    const c = text[i];
    if (c === QUOTE) {
      i++;
      while (text[i] !== QUOTE) i += text[i] === BACKSLASH ? 2 : 1;
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      i++;
    } else if (depth === 0) {
      // A number, true, false or null: up to the next delimiter.
      while (i < text.length && !isJsonSpace(text[i]) && !SCALAR_ENDS.has(text[i] ?? 0)) i++;
      return i;
    } else {
      i++;
    }
    if (depth === 0) return i;
  }
}

/**
 * Where each element of the top-level `Records` array lies in a `{"Records":[...]}` document: an
 * independent reading (not ctlake's scanner), for checking the bytes ctlake says it read. An
 * element that is a JSON string (an event embedded as text) has no range.
 */
function recordRanges(text: Buffer): ({ start: number; end: number } | undefined)[] {
  let i = skipSpace(text, text[0] === 0xef ? 3 : 0);
  if (text[i] !== 0x7b) throw new Error('not a JSON object');
  i = skipSpace(text, i + 1);
  while (text[i] === QUOTE) {
    const keyEnd = valueEnd(text, i);
    const key = JSON.parse(text.subarray(i, keyEnd).toString()) as string;
    i = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the colon
    if (key === 'Records' && text[i] === 0x5b) {
      const ranges: ({ start: number; end: number } | undefined)[] = [];
      i = skipSpace(text, i + 1);
      while (text[i] !== 0x5d) {
        const end = valueEnd(text, i);
        ranges.push(text[i] === QUOTE ? undefined : { start: i, end });
        i = skipSpace(text, end);
        if (text[i] === 0x2c) i = skipSpace(text, i + 1);
      }
      return ranges;
    }
    i = skipSpace(text, valueEnd(text, i));
    if (text[i] === 0x2c) i = skipSpace(text, i + 1);
  }
  throw new Error('no Records array');
}

/** Every record of every file the CLI lists in `corpus` (`*.json` and `*.json.gz`). */
function originals(corpus: string): Original[] {
  const files = fg.sync(['**/*.json', '**/*.json.gz'], { cwd: corpus, absolute: true }).sort();
  return files.flatMap((file) => {
    const raw = readFileSync(file);
    const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
    const doc = JSON.parse(text.toString()) as { Records: Record<string, unknown>[] };
    const ranges = recordRanges(text);
    expect(ranges, file).toHaveLength(doc.Records.length);
    return doc.Records.map((record, index) => {
      const range = ranges[index];
      const bytes = range === undefined ? undefined : text.subarray(range.start, range.end);
      return { file, index, record, bytes };
    });
  });
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** eventTime strings that are not timestamps at all, as the corpus documents them. */
const NOT_TIMES = ['redacted', '...', 'ThisIsAWrongEventTime'];

const CORPORA = [
  {
    name: 'the vendored real corpus (fixtures/real)',
    dir: VENDORED_REAL_CORPUS,
    files: 178,
    events: 528,
    present: true,
  },
  {
    name: 'the whole real corpus (../shared/corpus/real)',
    dir: REAL_CORPUS,
    files: 218,
    events: 549,
    present: HAS_SHARED,
  },
];

describe.each(CORPORA.filter((c) => c.present))('ingest of $name', ({ dir, files, events }) => {
  const lake = path.join(tempDir('real'), 'lake');
  let expected: Original[] = [];
  let stderr = '';
  let code: number | null = null;

  beforeAll(async () => {
    expected = originals(dir);
    const result = await ctlake(['ingest', dir, '--lake', lake]);
    stderr = result.stderr;
    code = result.code;
  });

  it('ingests every event of every file without an error', () => {
    expect(expected).toHaveLength(events);
    expect(stderr).toContain(`${String(files)} objects, ${String(events)} events`);
    expect(code).toBe(0);
  });

  it('keeps every record JSON-equal in eventJson, at its source object and index', async () => {
    const rows = await queryRows(
      lake,
      `SELECT "sourceObject" AS o, "recordIndex" AS i, "eventJson" AS j FROM cloudtrail`,
    );
    expect(rows).toHaveLength(events);
    const byKey = new Map(rows.map((r) => [`${String(r['o'])}#${String(r['i'])}`, String(r['j'])]));
    expect(byKey.size, 'one row per source object and record index').toBe(rows.length);
    for (const { file, index, record } of expected) {
      const json = byKey.get(`${file}#${String(index)}`);
      expect(json, `${file} record ${String(index)}`).toBeDefined();
      expect(JSON.parse(json ?? 'null'), `${file} record ${String(index)}`).toEqual(record);
    }
  });

  it('gives every record read straight from its file the SHA-256 of its exact bytes there', async () => {
    const rows = await queryRows(
      lake,
      `SELECT "sourceObject" AS o, "recordIndex" AS i, "eventJson" AS j, "eventJsonChecksum" AS c
       FROM cloudtrail`,
    );
    const byKey = new Map(rows.map((r) => [`${String(r['o'])}#${String(r['i'])}`, r]));
    // One line per file whose records are not kept byte for byte, naming the records and how.
    const failures = new Map<string, string[]>();
    let checked = 0;
    for (const { file, index, bytes } of expected) {
      if (bytes === undefined) continue; // embedded in a string: its text is not the file's bytes
      checked++;
      const row = byKey.get(`${file}#${String(index)}`);
      const want = sha256(bytes);
      const wrong = [
        row?.['c'] === want ? '' : 'eventJsonChecksum',
        sha256(String(row?.['j'])) === want ? '' : 'eventJson',
      ].filter((w) => w !== '');
      if (wrong.length === 0) continue;
      const name = path.relative(dir, file);
      failures.set(name, [...(failures.get(name) ?? []), `${String(index)} (${wrong.join(', ')})`]);
    }
    // Every file of these corpora is a `{"Records":[...]}` of objects: no record is skipped.
    expect(checked).toBe(events);
    expect([...failures].map(([name, records]) => `${name}: record ${records.join(', ')}`)).toEqual(
      [],
    );
  });

  it('parses every eventTime string, whatever its form, and leaves the others null', async () => {
    const rows = await queryRows(
      lake,
      `SELECT json_extract_string("eventJson", '$.eventTime') AS raw, "eventTime" AS t FROM cloudtrail
       WHERE json_type("eventJson", '$.eventTime') = 'VARCHAR'`,
    );
    const [others] = await queryRows(
      lake,
      `SELECT count(*) AS n FROM cloudtrail
       WHERE json_type("eventJson", '$.eventTime') IS DISTINCT FROM 'VARCHAR' AND "eventTime" IS NOT NULL`,
    );
    expect(others?.['n']).toBe(0);
    const unparsed = rows.filter((r) => r['t'] === null).map((r) => r['raw']);
    const notTimes = expected
      .map((o) => o.record['eventTime'])
      .filter((t) => typeof t === 'string' && NOT_TIMES.includes(t));
    expect(unparsed.sort()).toEqual(notTimes.sort());
    for (const r of rows.filter((x) => x['t'] !== null)) {
      const raw = String(r['raw'])
        .replace(' ', 'T')
        .replace(/\+0000$/, 'Z');
      const expectedMs = Date.parse(/Z$|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`);
      expect(Date.parse(String(r['t'])), String(r['raw'])).toBe(expectedMs);
    }
  });

  it('keeps different events that share an eventID', async () => {
    const [row] = await queryRows(
      lake,
      `SELECT count(*) AS n FROM cloudtrail WHERE "eventID" = '1111'`,
    );
    const inCorpus = expected.filter((o) => o.record['eventID'] === '1111').length;
    expect(inCorpus).toBeGreaterThan(1);
    expect(row?.['n']).toBe(inCorpus);
  });

  it('reads odd real shapes into the typed columns', async () => {
    const [row] = await queryRows(
      lake,
      `SELECT
         count(*) FILTER (WHERE "eventType" = 'AwsCloudTrailInsight' AND "insightDetails" IS NOT NULL) AS insights,
         count(*) FILTER (WHERE "userIdentity".onBehalfOf.userId IS NOT NULL) AS on_behalf,
         count(*) FILTER (WHERE len("resources") > 0 AND "resources"[1].arn IS NOT NULL) AS with_arn,
         count(*) FILTER (WHERE "tlsDetails".tlsVersion IS NOT NULL) AS tls,
         count(*) FILTER (WHERE "eventSource" = 'bedrock.amazonaws.com') AS bedrock
       FROM cloudtrail`,
    );
    const count = (pred: (r: Record<string, unknown>) => boolean): number =>
      expected.filter((o) => pred(o.record)).length;
    expect(row?.['insights']).toBe(count((r) => r['eventType'] === 'AwsCloudTrailInsight'));
    expect(row?.['on_behalf']).toBe(
      count(
        (r) =>
          typeof (r['userIdentity'] as { onBehalfOf?: { userId?: string } } | undefined)?.onBehalfOf
            ?.userId === 'string',
      ),
    );
    expect(row?.['tls']).toBe(
      count(
        (r) =>
          typeof (r['tlsDetails'] as { tlsVersion?: string } | undefined)?.tlsVersion === 'string',
      ),
    );
    expect(row?.['bedrock']).toBe(count((r) => r['eventSource'] === 'bedrock.amazonaws.com'));
    const firstResource = (r: Record<string, unknown>): Record<string, unknown> | undefined =>
      Array.isArray(r['resources']) ? (r['resources'][0] as Record<string, unknown>) : undefined;
    expect(row?.['with_arn']).toBe(
      count((r) => {
        const first = firstResource(r);
        return typeof first?.['ARN'] === 'string' || typeof first?.['arn'] === 'string';
      }),
    );
    expect(Number(row?.['with_arn'])).toBeGreaterThan(10);
  });
});

describe.skipIf(HAS_SHARED)('the whole real corpus', () => {
  it.skip(NO_SHARED_REASON, () => undefined);
});
