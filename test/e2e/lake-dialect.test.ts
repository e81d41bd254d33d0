import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveManifest, generateArchive } from '../../fixtures/generator/archive.js';
import { CtlakeError } from '../../src/errors.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { query } from '../../src/query/run-query.js';
import { readPartSet } from '../../src/lake/part-set.js';
import {
  ctlake,
  finished,
  HAS_SHARED,
  LAKE_QUERY_SAMPLES,
  queryRows,
  REAL_CORPUS,
  startCli,
  tempDir,
  VENDORED_REAL_CORPUS,
} from '../util/cli.js';
import { at, eventMs, type Rec, readRecords } from '../util/oracle.js';

/** Real events beside the generated ones: the whole corpus where it is present, else the vendored part. */
const REAL_EVENTS = HAS_SHARED ? REAL_CORPUS : VENDORED_REAL_CORPUS;

const HOUR = 3600_000;

/** A result column by name, ignoring case: DuckDB names columns as the schema spells them. */
function col(row: Record<string, unknown> | undefined, name: string): unknown {
  const key = Object.keys(row ?? {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : row?.[key];
}

/** The seven queries of seed 002, as published (the store placeholder varies per test). */
const SEED_002 = {
  qbusinessCalls: `SELECT
    eventName, COUNT(*) AS numberOfCalls
FROM
    <event-data-store-ID>
WHERE
    eventSource='qbusiness.amazonaws.com' AND eventTime > date_add('day', -1, now())
Group
    BY eventName ORDER BY COUNT(*) DESC`,
  batchDelete: `SELECT
   sourceIPAddress, eventTime, userIdentity.principalid
FROM
    <event-data-store-ID>
WHERE
    eventName='BatchDeleteDocument' AND eventTime > date_add('day', -1, now())`,
  syncJob: `SELECT
   sourceIPAddress, eventTime, userIdentity.arn AS user
FROM
    <event-data-store-ID>
WHERE
    eventName='StartDataSourceSyncJob' AND eventTime > date_add('day', -1, now())`,
  deleteObject: `SELECT
    sourceIPAddress, eventTime, userIdentity.arn AS user
FROM
    <event-data-store-ID>
WHERE
    userIdentity.arn IS NOT NULL AND eventName='DeleteObject'
    AND element_at(requestParameters, 'bucketName') like '<enter-S3-bucket-name>'
    AND eventTime > '2024-05-09 00:00:00'`,
  codeAnalysis: `SELECT
userIdentity.onbehalfof.userid, eventTime, SourceIPAddress
FROM
    <event-data-store-ID>
WHERE
    eventName = 'StartCodeAnalysis'`,
  invokeAgent: `SELECT
UserIdentity,eventTime,eventName,UserAgent,requestParameters,resources
FROM
<event-data-store-ID>
WHERE
    eventName = 'InvokeAgent'`,
  retrieveAndGenerate: `SELECT
UserIdentity,eventTime,eventName,UserAgent,requestParameters,resources
FROM
    <event-data-store-ID>
WHERE
    eventName = 'RetrieveAndGenerate'`,
};

const STORE_FORMS = [
  '<event-data-store-ID>',
  '$EDS_ID',
  '<EDS ID>',
  '<event_data_store_id>',
  '<Event data store Id>',
  '0a1b2c3d-4e5f-6789-abcd-ef0123456789',
  'EXAMPLE1-2345-6789-abcd-EXAMPLE54321',
  'cloudtrail',
];

describe('CloudTrail Lake SQL on a generated scenario lake', () => {
  const dir = tempDir('dialect');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  let manifest: ArchiveManifest;
  let records: Rec[];
  let end: number;

  beforeAll(async () => {
    end = Date.now();
    manifest = await generateArchive({
      outDir: archive,
      events: 20_000,
      seed: 21,
      end: new Date(end),
      days: 3,
    });
    const ingest = await ctlake(['ingest', archive, REAL_EVENTS, '--lake', lake, '--quiet']);
    expect(ingest.code).toBe(0);
    records = [...readRecords(archive), ...readRecords(REAL_EVENTS)];
  }, 300_000);

  const lastDay = (name: string): Rec[] =>
    records.filter((r) => r['eventName'] === name && eventMs(r) > Date.now() - 24 * HOUR);

  describe.each(['UTC', 'America/Los_Angeles', 'Asia/Kolkata'])(
    'seed 002 queries, pasted verbatim, TZ=%s',
    (tz) => {
      const run = async (sql: string): Promise<Record<string, unknown>[]> => {
        const result = await ctlake(['query', '--lake', lake, '--format', 'json', sql], {
          env: { TZ: tz },
        });
        expect(result.stderr).toBe('');
        return JSON.parse(result.stdout) as Record<string, unknown>[];
      };

      it('Q Business calls by API in the last day', async () => {
        const expected = new Map<string, number>();
        for (const r of records.filter(
          (x) =>
            x['eventSource'] === 'qbusiness.amazonaws.com' && eventMs(x) > Date.now() - 24 * HOUR,
        )) {
          expected.set(String(r['eventName']), (expected.get(String(r['eventName'])) ?? 0) + 1);
        }
        const rows = await run(SEED_002.qbusinessCalls);
        expect(
          new Map(rows.map((r) => [String(r['eventName']), Number(r['numberOfCalls'])])),
        ).toEqual(expected);
        expect(expected.get('BatchDeleteDocument')).toBe(7);
        expect(rows[0]?.['eventName']).toBe('Chat');
      });

      it('who called BatchDeleteDocument', async () => {
        const rows = await run(SEED_002.batchDelete);
        const expected = lastDay('BatchDeleteDocument').map((r) => [
          r['sourceIPAddress'],
          at(r, 'userIdentity', 'principalId'),
        ]);
        expect(rows.map((r) => [r['sourceIPAddress'], r['principalid']]).sort()).toEqual(
          expected.sort(),
        );
        expect(rows.some((r) => String(r['principalid']).endsWith(':KendraCustomerSession'))).toBe(
          true,
        );
      });

      it('who started the data source sync job', async () => {
        const rows = await run(SEED_002.syncJob);
        expect(rows).toEqual(
          lastDay('StartDataSourceSyncJob').map((r) => ({
            sourceIPAddress: r['sourceIPAddress'],
            eventTime: r['eventTime'],
            user: at(r, 'userIdentity', 'arn'),
          })),
        );
        expect(rows).toHaveLength(1);
      });

      it('who deleted objects from the data source bucket', async () => {
        const bucket = `qbiz-datasource-${manifest.accounts[0] ?? ''}`;
        const rows = await run(SEED_002.deleteObject.replace('<enter-S3-bucket-name>', bucket));
        const expected = records.filter(
          (r) =>
            r['eventName'] === 'DeleteObject' &&
            at(r, 'requestParameters', 'bucketName') === bucket &&
            at(r, 'userIdentity', 'arn') !== undefined,
        );
        expect(rows.map((r) => r['user']).sort()).toEqual(
          expected.map((r) => at(r, 'userIdentity', 'arn')).sort(),
        );
        expect(rows).toHaveLength(3);
      });

      it('which Identity Center users ran Q Developer code analysis', async () => {
        const rows = await run(SEED_002.codeAnalysis);
        const expected = records
          .filter((r) => r['eventName'] === 'StartCodeAnalysis')
          .map((r) => at(r, 'userIdentity', 'onBehalfOf', 'userId'));
        expect(rows.map((r) => r['userid']).sort()).toEqual(expected.sort());
        expect(new Set(expected).size).toBe(3);
      });

      it.each([
        ['InvokeAgent', SEED_002.invokeAgent, 'AWS::Bedrock::AgentAlias'],
        ['RetrieveAndGenerate', SEED_002.retrieveAndGenerate, 'AWS::Bedrock::KnowledgeBase'],
      ])('%s with request parameters and resources', async (name, sql, resourceType) => {
        const rows = await run(sql);
        const expected = records.filter((r) => r['eventName'] === name);
        expect(rows).toHaveLength(expected.length);
        for (const row of rows) {
          expect(col(row, 'UserIdentity')).toMatchObject({ type: 'AssumedRole' });
          expect((row['resources'] as { type: string }[])[0]?.type).toBe(resourceType);
          expect(row['requestParameters']).toBeTypeOf('object');
        }
      });
    },
  );

  it.each(STORE_FORMS)('reads FROM %s as the event table', async (form) => {
    const [row] = await queryRows(
      lake,
      `SELECT count(*) AS n FROM ${form} WHERE eventName = 'StartCodeAnalysis'`,
    );
    expect(row?.['n']).toBe(6);
  });

  describe('Trino functions', () => {
    const value = async (
      expression: string,
      where = "eventName = 'CreateTrainingJob'",
    ): Promise<unknown> => {
      const [row] = await queryRows(
        lake,
        `SELECT ${expression} AS v FROM $EDS_ID WHERE ${where} ORDER BY eventTime LIMIT 1`,
      );
      return row?.['v'];
    };
    it.each([
      ["date_add('day', -1, TIMESTAMP '2024-05-09 10:00:00')", '2024-05-08T10:00:00Z'],
      ["date_add('hour', 3, TIMESTAMP '2024-05-09 22:00:00')", '2024-05-10T01:00:00Z'],
      ["date_add('month', 1, TIMESTAMP '2024-01-31 00:00:00')", '2024-02-29T00:00:00Z'],
      ["date_diff('day', TIMESTAMP '2024-01-01 23:00:00', TIMESTAMP '2024-01-02 01:00:00')", 0],
      ["date_diff('hour', TIMESTAMP '2024-01-01 23:00:00', TIMESTAMP '2024-01-02 01:30:00')", 2],
      ["element_at(requestParameters, 'trainingJobName')", 'llm-finetune-100'],
      ["element_at(requestParameters, 'noSuchKey')", null],
      ["element_at(split('a,b,c', ','), 2)", 'b'],
      ["element_at(split('a,b,c', ','), -1)", 'c'],
      [
        "json_extract_scalar(element_at(requestParameters, 'resourceConfig'), '$.instanceType')",
        'ml.p4d.24xlarge',
      ],
      [
        "json_extract_scalar(element_at(requestParameters, 'resourceConfig'), '$[\"instanceCount\"]')",
        '2',
      ],
      ["json_extract_scalar(element_at(requestParameters, 'algorithmSpecification'), '$')", null],
      [
        "CAST(json_extract(element_at(requestParameters, 'resourceConfig'), '$.instanceCount') AS INTEGER)",
        2,
      ],
      ["json_array_get('[10, 20, 30]', -1)", '30'],
      ["from_iso8601_timestamp('2024-05-09T10:11:12+02:00')", '2024-05-09T08:11:12Z'],
      ["to_iso8601(TIMESTAMP '2024-05-09 10:11:12')", '2024-05-09T10:11:12.000Z'],
      [
        "regexp_like(element_at(requestParameters, 'trainingJobName'), '^llm-finetune-\\d+$')",
        true,
      ],
      ["regexp_replace('a1b22', '(\\d+)', '<$1>')", 'a<1>b<22>'],
      ["day_of_week(TIMESTAMP '2024-05-12 00:00:00')", 7],
      ["cardinality(split('a,b,c', ','))", 3],
      ['cardinality(requestParameters) > 3', true],
      [
        "format_datetime(TIMESTAMP '2024-05-09 07:08:09', 'yyyy-MM-dd HH:mm:ss')",
        '2024-05-09 07:08:09',
      ],
      ["date_format(TIMESTAMP '2024-05-09 07:08:09', '%Y-%m-%d %H:%i')", '2024-05-09 07:08'],
      ["date_parse('2024-05-09 07:08', '%Y-%m-%d %H:%i')", '2024-05-09T07:08:00Z'],
      ["eventTime > '2000-01-01 00:00:00'", true],
      ['approx_distinct(eventName) OVER ()', 1],
    ])('%s', async (expression, expected) => {
      expect(await value(expression)).toEqual(expected);
    });

    describe('now() and current_timestamp', () => {
      const SECOND = 1000;
      const near = (text: unknown, ms: number): boolean =>
        Math.abs(Date.parse(String(text)) - ms) < 60 * SECOND;

      it('selected, they are the current instant, with their zone and their names', async () => {
        const [row] = await queryRows(
          lake,
          `SELECT now(), current_timestamp, typeof(now()) AS t,
                  format_datetime(current_timestamp, 'yyyy z') AS f`,
        );
        expect(Object.keys(row ?? {})).toEqual(['now()', 'current_timestamp', 't', 'f']);
        expect(near(row?.['now()'], Date.now())).toBe(true);
        expect(near(row?.['current_timestamp'], Date.now())).toBe(true);
        expect(row?.['t']).toBe('TIMESTAMP WITH TIME ZONE');
        expect(row?.['f']).toBe(`${String(new Date().getUTCFullYear())} UTC`);
      });

      it('AT TIME ZONE still gives the wall clock of that zone, also through a WITH', async () => {
        const [row] = await queryRows(
          lake,
          `WITH t AS (SELECT now() AS n)
           SELECT CAST(now() AT TIME ZONE 'Asia/Kolkata' AS VARCHAR) AS a,
                  CAST(current_timestamp AT TIME ZONE 'Asia/Kolkata' AS VARCHAR) AS b,
                  CAST(n AT TIME ZONE 'Asia/Kolkata' AS VARCHAR) AS c FROM t`,
        );
        const kolkata = Date.now() + 5.5 * 3600 * SECOND; // +05:30 all year
        for (const key of ['a', 'b', 'c']) {
          expect(near(`${String(row?.[key])}Z`, kolkata), key).toBe(true);
        }
      });

      it('a column named current_timestamp is still that column', async () => {
        const rows = await queryRows(
          lake,
          'SELECT current_timestamp FROM (SELECT 42 AS current_timestamp)',
        );
        expect(rows).toEqual([{ current_timestamp: 42 }]);
      });

      it('a window back from now() selects the events a literal instant does', async () => {
        const dayAgo = new Date(Date.now() - 24 * 3600 * SECOND).toISOString().slice(0, 19);
        const [row] = await queryRows(
          lake,
          `SELECT count(*) FILTER (WHERE eventTime > date_add('day', -1, now())) AS relative,
                  count(*) FILTER (WHERE eventTime > '${dayAgo.replace('T', ' ')}') AS literal,
                  count(*) AS total FROM $EDS_ID`,
        );
        const relative = Number(row?.['relative']);
        expect(relative).toBeGreaterThan(0);
        expect(relative).toBeLessThan(Number(row?.['total']));
        // The two instants are a moment apart: at most the events of that moment differ.
        expect(Math.abs(relative - Number(row?.['literal']))).toBeLessThan(5);
      });
    });

    it('CROSS JOIN UNNEST(...) AS t(x) over resources', async () => {
      const rows = await queryRows(
        lake,
        `SELECT r.type AS type, count(*) AS n FROM <EDS ID> CROSS JOIN UNNEST(resources) AS t(r)
         WHERE eventName = 'InvokeAgent' GROUP BY 1`,
      );
      expect(rows).toEqual([{ type: 'AWS::Bedrock::AgentAlias', n: 4 }]);
    });

    it('a named parameter is bound, not spliced', async () => {
      const injection = "x' OR '1'='1";
      const result = await ctlake([
        'query',
        '--lake',
        lake,
        '--format',
        'json',
        "SELECT count(*) AS n FROM cloudtrail WHERE eventName = '${name}'",
        '--param',
        `name=${injection}`,
      ]);
      expect(JSON.parse(result.stdout)).toEqual([{ n: 0 }]);
      const real = await ctlake([
        'query',
        '--lake',
        lake,
        '--format',
        'json',
        "SELECT count(*) AS n FROM cloudtrail WHERE eventName = '${name}'",
        '--param',
        'name=InvokeAgent',
      ]);
      expect(JSON.parse(real.stdout)).toEqual([{ n: 4 }]);
    });
  });

  describe('sandbox', () => {
    it.each([
      ["COPY (SELECT 1) TO '/tmp/ctlake-escape.csv'", 'refused: COPY statements cannot run'],
      ["ATTACH '/tmp/other.duckdb' AS other", 'refused: ATTACH statements cannot run'],
      ['INSTALL httpfs', 'refused: INSTALL statements cannot run'],
      ['LOAD httpfs', 'refused: LOAD statements cannot run'],
      ['SET enable_external_access = true', 'refused: SET statements cannot run'],
      ['PRAGMA enable_profiling', 'refused: PRAGMA statements cannot run'],
      ['CREATE TABLE t AS SELECT 1', 'refused: CREATE statements cannot run'],
      [
        "SELECT * FROM read_csv('/etc/passwd')",
        'refused: table function read_csv() is not allowed',
      ],
      [
        "SELECT * FROM read_text('/etc/passwd')",
        'refused: table function read_text() is not allowed',
      ],
      [
        "SELECT * FROM '/etc/passwd'",
        'refused: FROM /etc/passwd: a query reads the cloudtrail and cloudtrail_objects views only',
      ],
      ['SELECT 1; SELECT 2', 'refused: 2 statements in one query'],
      ['SELECT count(*) FROM cloudtrail; DROP TABLE x', 'refused: DROP statements cannot run'],
    ])('%s', async (sql, message) => {
      const result = await ctlake(['query', '--lake', lake, sql]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`ctlake: ${message}`);
    });

    // DuckDB prints some quoted names back bare: a name holding `;` became statements of its own
    // (this wrote into the lake). Each payload here would plant a file in the lake's events/.
    it.each([
      ['a named parameter', (sql: string) => `SELECT $"q$x$q$; ${sql}; SELECT 1"`],
      ['a qualified star', (sql: string) => `SELECT "1; ${sql}; SELECT 1 --".*`],
      [
        'a window function schema',
        (sql: string) => `SELECT "1; ${sql}; SELECT 1 --".sum(1) OVER ()`,
      ],
    ])('runs nothing smuggled in %s', async (_, inject) => {
      const planted = path.join(lake, 'events', 'planted.csv');
      const before = await queryRows(lake, 'SELECT count(*) AS n FROM cloudtrail');
      for (const format of ['csv', 'parquet']) {
        const out = path.join(dir, `smuggled.${format}`);
        const result = await ctlake([
          'query',
          '--lake',
          lake,
          '--format',
          format,
          '--out',
          out,
          inject(`COPY (SELECT 1 AS a) TO $q$${planted}$q$`),
        ]);
        expect(result.code).toBe(1);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(/^ctlake: refused: /);
        expect(existsSync(planted)).toBe(false);
      }
      expect(await queryRows(lake, 'SELECT count(*) AS n FROM cloudtrail')).toEqual(before);
    });

    it('sees a WITH name only where it is defined, so a file path never passes for one', async () => {
      const secret = path.join(lake, 'events', 'secret.csv');
      writeFileSync(secret, 'a,b\nsecret,42\n');
      try {
        for (const sql of [
          `SELECT * FROM (WITH "${secret}" AS (SELECT 1) SELECT 1) t, '${secret}'`,
          `WITH a AS (SELECT * FROM '${secret}'), "${secret}" AS (SELECT 1) SELECT * FROM a`,
          `WITH "${secret}" AS (SELECT * FROM '${secret}') SELECT * FROM "${secret}"`,
          // DuckDB folds ASCII letters only: the Kelvin sign is not a K to it.
          `WITH "${secret.replaceAll('k', '\u212a')}" AS (SELECT 1) SELECT * FROM '${secret}'`,
        ]) {
          const result = await ctlake(['query', '--lake', lake, sql]);
          expect(result.code, sql).toBe(1);
          expect(result.stderr).toContain(`refused: FROM ${secret}: a query reads the cloudtrail`);
          expect(result.stdout).not.toContain('secret');
        }
        // Scoped names still work: later WITH bodies, the query, and a recursive WITH itself.
        expect(
          await queryRows(
            lake,
            'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3), u AS (SELECT * FROM t) SELECT count(*) AS n FROM u',
          ),
        ).toEqual([{ n: 3 }]);
      } finally {
        rmSync(secret);
      }
    });

    it("spills to a private temp directory, not one in the user's working directory", async () => {
      const cwd = tempDir('query-cwd');
      const result = await ctlake(
        [
          'query',
          '--lake',
          lake,
          '--format',
          'json',
          "SELECT current_setting('temp_directory') AS t",
        ],
        { cwd },
      );
      expect(result.code).toBe(0);
      const [row] = JSON.parse(result.stdout) as { t: string }[];
      expect(path.relative(cwd, path.resolve(cwd, row?.t ?? '.'))).toMatch(/^\.\./);
    });

    it.each([
      ['SELECT 1e400', 'ctlake: a number in the query is out of range'],
      ['SELECT -1e400', 'ctlake: a number in the query is out of range'],
    ])('%s fails on one line', async (sql, message) => {
      const result = await ctlake(['query', '--lake', lake, sql]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(message);
    });

    it.each(['csv', 'json', 'table', 'arrow'])(
      'a --out path that cannot be written is a usage error on one line (%s)',
      async (format) => {
        for (const out of [path.join(dir, 'missing-dir', 'x.out'), dir]) {
          const result = await ctlake([
            'query',
            '--lake',
            lake,
            '--format',
            format,
            '--out',
            out,
            'SELECT 1',
          ]);
          expect(result.code).toBe(2);
          expect(result.stderr.trim()).toMatch(
            new RegExp(`^ctlake: cannot write --out .+: (ENOENT|EISDIR)$`),
          );
        }
      },
    );

    it('names a lake damaged by hand on one line', async () => {
      const damaged = path.join(dir, 'damaged-lake');
      cpSync(lake, damaged, { recursive: true });
      // The first part of the published set, cut to nothing.
      const [first] = readPartSet(lakeLayout(damaged));
      if (first === undefined) throw new Error('the lake has no parts');
      writeFileSync(first, '');
      const result = await ctlake(['query', '--lake', damaged, 'SELECT count(*) FROM cloudtrail']);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`ctlake: lake ${damaged} cannot be read: `);
    });

    it('removes its temp directory however the query ends', async () => {
      const tmp = tempDir('query-tmp');
      const env = { TMPDIR: tmp };
      expect((await ctlake(['query', '--lake', lake, 'SELECT 1'], { env })).code).toBe(0);
      expect((await ctlake(['query', '--lake', lake, 'SELECT nope'], { env })).code).toBe(1);
      // A reader that stops early: the process exits on EPIPE, without closing the session.
      const child = startCli(
        ['query', '--lake', lake, '--format', 'csv', 'SELECT range FROM range(1000000)'],
        { env },
      );
      child.stdout?.once('data', () => child.stdout?.destroy());
      const early = await finished(child);
      expect(early.code).toBe(0);
      expect(readdirSync(tmp)).toEqual([]);
    });

    it('leaves no output file behind when the query fails', async () => {
      const out = path.join(dir, 'failed.csv');
      const result = await ctlake([
        'query',
        '--lake',
        lake,
        '--format',
        'csv',
        '--out',
        out,
        'SELECT nope FROM cloudtrail',
      ]);
      expect(result.code).toBe(1);
      expect(existsSync(out)).toBe(false);
    });

    it('cannot read files through scalar functions either', async () => {
      const result = await ctlake([
        'query',
        '--lake',
        lake,
        "SELECT length(content) FROM cloudtrail, (SELECT 1) WHERE false UNION ALL SELECT 1 FROM glob('/etc/*')",
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('refused: table function glob() is not allowed');
    });
  });
});

describe("AWS's published CloudTrail Lake sample queries", () => {
  const samples = LAKE_QUERY_SAMPLES;
  /** Not CloudTrail-event queries (SOURCES.md): Athena DDL and Config-item stores. */
  const OTHER_STORES = [
    'ConfigItemCountQuery.sql',
    'ConfigTableCreation.sql',
    'ssm-patch-compliance-all-ec2-instances-time-range.sql',
    'ssm-patch-compliance-all-ec2-instances.sql',
    'ssm-patch-compliance-distinct-ec2-instance-latest.sql',
    'ssm-patch-compliance-selected-ec2-instance-time-range.sql',
    'ssm-patch-compliance-selected-ec2-instance.sql',
  ];
  /** Published broken: text run together by the publishing, or invalid in Trino too. */
  const PUBLISHED_BROKEN: Record<string, string> = {
    'iam-idc-authenticate-api.sql': 'syntax error at or near "FROM"',
    'list-all-errors-for-s3-events.sql': 'syntax error at or near "example"',
    'list-all-events-not-in-authorized-region.sql': 'syntax error at or near ":"',
    'list-attempted-s3-requests..sql': 'syntax error at or near "BY"',
    'list-publicly-accessible-rds-instances.sql': 'syntax error at or near "SELECT"',
    'top-errors.sql': 'syntax error at or near "BY"',
    'top-s3-actions.sql': 'syntax error at or near "BY"',
    'network-activity-events-vpce-access-denied-s3.sql': 'must appear in the GROUP BY clause',
  };
  const all = readdirSync(samples)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const runnable = all.filter((f) => !OTHER_STORES.includes(f) && !(f in PUBLISHED_BROKEN));
  const lake = path.join(tempDir('samples'), 'lake');
  let records: Rec[] = [];

  beforeAll(async () => {
    const archive = path.join(path.dirname(lake), 'archive');
    await generateArchive({ outDir: archive, events: 5_000, seed: 8, end: new Date(), days: 2 });
    expect((await ctlake(['ingest', archive, REAL_EVENTS, '--lake', lake, '--quiet'])).code).toBe(
      0,
    );
    records = [...readRecords(archive), ...readRecords(REAL_EVENTS)];
  }, 300_000);

  it('has 72 samples: 57 CloudTrail-event queries that run, 7 for other stores, 8 published broken', () => {
    expect(all).toHaveLength(72);
    expect(runnable).toHaveLength(57);
  });

  /**
   * Runs a sample through the library (the SQL's answer is what is tested here; the command line
   * has its own tests), reporting a failure as the CLI would print it.
   */
  const sample = async (
    file: string,
  ): Promise<{ code: number; stderr: string; rows: Record<string, unknown>[] }> => {
    const sql = readFileSync(path.join(samples, file), 'utf8');
    const params: Record<string, string> = sql.includes('${date_filter}')
      ? { date_filter: '2022-01-01 00:00:00' }
      : {};
    try {
      const { rows } = await query({ lakeDir: lake, source: { kind: 'text', sql }, params });
      return {
        code: 0,
        stderr: '',
        rows: JSON.parse(JSON.stringify(rows)) as Record<string, unknown>[],
      };
    } catch (error) {
      if (!(error instanceof CtlakeError)) throw error;
      return { code: 1, stderr: `ctlake: ${error.message}\n`, rows: [] };
    }
  };

  it.each(runnable)('%s runs unchanged', async (file) => {
    const result = await sample(file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(Object.entries(PUBLISHED_BROKEN))(
    '%s fails with one clear line (%s)',
    async (file, message) => {
      const result = await sample(file);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(message);
    },
  );

  it('console-login-with-no-mfa finds every console login without MFA', async () => {
    const { rows } = await sample('console-login-with-no-mfa.sql');
    const expected = records.filter(
      (r) =>
        String(r['eventSource']).toLowerCase() === 'signin.amazonaws.com' &&
        String(r['eventName']).toLowerCase() === 'consolelogin' &&
        at(r, 'additionalEventData', 'MFAUsed') === 'No',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((r) => r['eventID']).sort()).toEqual(
      expected.map((r) => r['eventID'] ?? null).sort(),
    );
  });

  it('SelfAssumeRole finds roles assuming themselves', async () => {
    const { rows } = await sample('SelfAssumeRole.sql');
    const resourceArn = (r: Rec): unknown => {
      const first = (r['resources'] as Rec[] | undefined)?.[0];
      return first?.['ARN'] ?? first?.['arn'];
    };
    const expected = records.filter(
      (r) =>
        r['eventSource'] === 'sts.amazonaws.com' &&
        r['eventName'] === 'AssumeRole' &&
        at(r, 'userIdentity', 'type') === 'AssumedRole' &&
        r['errorCode'] === undefined &&
        at(r, 'userIdentity', 'sessionContext', 'sessionIssuer', 'arn') === resourceArn(r),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((r) => col(r, 'eventid')).sort()).toEqual(
      expected.map((r) => r['eventID']).sort(),
    );
  });

  it('logs-by-region counts API calls per region and service in its window', async () => {
    const { rows } = await sample('logs-by-region.sql');
    const from = Date.parse('2022-04-23T00:00:00Z');
    const to = Date.parse('2022-11-26T00:00:00Z');
    const expected = new Map<string, number>();
    for (const r of records.filter((x) => eventMs(x) > from && eventMs(x) < to)) {
      const key = `${JSON.stringify(r['awsRegion'] ?? null)}|${JSON.stringify(r['eventSource'] ?? null)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    expect(
      new Map(
        rows.map((r) => [
          `${JSON.stringify(r['awsRegion'])}|${JSON.stringify(r['eventSource'])}`,
          Number(r['apiCount']),
        ]),
      ),
    ).toEqual(expected);
  });

  it('database-reboot-information lists reboots newest first', async () => {
    const { rows } = await sample('database-reboot-information.sql');
    const expected = records.filter((r) => r['eventName'] === 'RebootDBInstance');
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((r) => r['DBInstance']).sort()).toEqual(
      expected.map((r) => at(r, 'requestParameters', 'dBInstanceIdentifier')).sort(),
    );
    const times = rows.map((r) => Date.parse(String(r['RebootTime'])));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
