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
}

function originals(corpus: string): Original[] {
  const files = fg.sync('**/*.json.gz', { cwd: corpus, absolute: true }).sort();
  return files.flatMap((file) => {
    const doc = JSON.parse(gunzipSync(readFileSync(file)).toString()) as {
      Records: Record<string, unknown>[];
    };
    return doc.Records.map((record, index) => ({ file, index, record }));
  });
}

/** Values that are present but are not timestamps at all, as the corpus documents them. */
const NOT_TIMES = ['redacted', '...'];

const CORPORA = [
  {
    name: 'the vendored real corpus (fixtures/real)',
    dir: VENDORED_REAL_CORPUS,
    files: 154,
    events: 463,
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
    for (const { file, index, record } of expected) {
      const json = byKey.get(`${file}#${String(index)}`);
      expect(json, `${file} record ${String(index)}`).toBeDefined();
      expect(JSON.parse(json ?? 'null'), `${file} record ${String(index)}`).toEqual(record);
    }
  });

  it('parses every present eventTime, whatever its form', async () => {
    const rows = await queryRows(
      lake,
      `SELECT json_extract_string("eventJson", '$.eventTime') AS raw, "eventTime" AS t FROM cloudtrail
       WHERE json_extract("eventJson", '$.eventTime') IS NOT NULL`,
    );
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
