import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import fg from 'fast-glob';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateArchive, MAIN_ACCOUNT } from '../../fixtures/generator/archive.js';
import { ALNUM, Rng } from '../../fixtures/generator/rng.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';
import { FaultProxy } from '../util/fault-proxy.js';
import {
  hasMoto,
  type Moto,
  MOTO_ENV,
  motoClient,
  NO_MOTO_REASON,
  startMoto,
} from '../../fixtures/s3-server.js';

const BUCKET = 'trail-archive';
const PREFIX = 'org-trail';
const ENV = MOTO_ENV;

/** The rows of a lake, provenance aside (sourceObject differs between S3 and disk). */
async function content(lake: string): Promise<{ rows: number; digest: string }> {
  const [row] = await queryRows(
    lake,
    `SELECT count(*) AS rows, md5(coalesce(string_agg("eventJsonChecksum" || '#' || "recordIndex", ',' ORDER BY "eventJsonChecksum", "recordIndex"), '')) AS digest FROM cloudtrail`,
  );
  return { rows: Number(row?.['rows']), digest: String(row?.['digest']) };
}

describe.skipIf(!hasMoto())('S3 sources against a real S3-compatible server', () => {
  const dir = tempDir('s3');
  const archive = path.join(dir, 'archive');
  let moto: Moto;
  const proxy = { current: undefined as FaultProxy | undefined };
  let client: S3Client;
  let diskLake: string;
  let keys: string[];
  const fault = (): FaultProxy => {
    if (!proxy.current) throw new Error('proxy not started');
    return proxy.current;
  };
  const ingestS3 = (lake: string, ...extra: string[]): ReturnType<typeof ctlake> =>
    ctlake(
      [
        'ingest',
        `s3://${BUCKET}/${PREFIX}`,
        '--lake',
        lake,
        '--endpoint-url',
        fault().endpoint,
        '--quiet',
        ...extra,
      ],
      { env: ENV },
    );

  beforeAll(async () => {
    moto = await startMoto();
    proxy.current = new FaultProxy(moto.endpoint);
    await fault().start();
    await generateArchive({
      outDir: archive,
      events: 4000,
      seed: 9,
      end: new Date('2026-05-01T00:00:00Z'),
      days: 3,
    });
    client = motoClient(moto.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    keys = fg.sync('**/*.json.gz', { cwd: archive }).sort();
    // Every seventh object as S3 stores it with Content-Encoding: gzip: ctlake decides by bytes.
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((key, j) =>
          client.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `${PREFIX}/${key}`,
              Body: readFileSync(path.join(archive, key)),
              ...((i + j) % 7 === 0
                ? { ContentEncoding: 'gzip', ContentType: 'application/json' }
                : {}),
            }),
          ),
        ),
      );
    }
    diskLake = path.join(dir, 'disk-lake');
    expect((await ctlake(['ingest', archive, '--lake', diskLake, '--quiet'])).code).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await proxy.current?.stop();
    moto.stop();
  });

  it('ingests the archive from S3 exactly as from disk, across listing pages', async () => {
    expect(keys.length).toBeGreaterThan(1000);
    fault().setPlan({});
    const lake = path.join(dir, 'lake-clean');
    const result = await ingestS3(lake);
    expect(result.stderr).not.toMatch(/^ctlake: |Warning/m);
    expect(result.code).toBe(0);
    expect(await content(lake)).toEqual(await content(diskLake));
    expect(fault().listRequests.some((r) => r.continued)).toBe(true);
    // Digest files are listed, counted and skipped, as from disk.
    const digests = keys.filter((k) => k.includes('/CloudTrail-Digest/')).length;
    expect(digests).toBeGreaterThan(0);
    expect(result.stderr).toContain(`${String(digests)} digest files skipped`);
    const [row] = await queryRows(lake, `SELECT min("sourceObject") AS s FROM cloudtrail`);
    expect(String(row?.['s'])).toMatch(new RegExp(`^s3://${BUCKET}/${PREFIX}/AWSLogs/`));
  });

  it('reads nothing on a second run, then only late and changed objects', async () => {
    const lake = path.join(dir, 'lake-incremental');
    fault().setPlan({});
    expect((await ingestS3(lake)).code).toBe(0);
    const before = await content(lake);

    fault().setPlan({});
    const again = await ingestS3(lake);
    expect(again.code).toBe(0);
    expect(fault().objectGets).toBe(0);
    expect((await content(lake)).rows).toBe(before.rows);

    // A late delivery into the oldest day's prefix, and an object rewritten in place.
    const oldest = keys.find((k) => k.includes('/CloudTrail/us-east-1/')) ?? '';
    const late = oldest.replace(/[^/]+$/, `${MAIN_ACCOUNT}_CloudTrail_us-east-1_late.json.gz`);
    const record = (id: string): Record<string, string> => ({
      eventVersion: '1.09',
      eventTime: '2026-04-28T00:01:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventID: id,
    });
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${PREFIX}/${late}`,
        Body: gzipSync(JSON.stringify({ Records: [record('late-1'), record('late-2')] })),
      }),
    );
    const changed = keys[keys.length - 1] ?? '';
    const doc = JSON.parse(gunzipSync(readFileSync(path.join(archive, changed))).toString()) as {
      Records: unknown[];
    };
    doc.Records.push(record('appended'));
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${PREFIX}/${changed}`,
        Body: gzipSync(JSON.stringify(doc)),
      }),
    );

    fault().setPlan({});
    const third = await ingestS3(lake);
    expect(third.code).toBe(0);
    expect(fault().objectGets).toBe(2);
    expect(third.stderr).toContain('1 changed objects re-read');
    const after = await content(lake);
    expect(after.rows).toBe(before.rows + 3);
    const [counts] = await queryRows(
      lake,
      `SELECT count(*) FILTER (WHERE "eventID" IN ('late-1', 'late-2', 'appended')) AS n, count(DISTINCT ("sourceObject", "recordIndex")) AS keys, count(*) AS rows FROM cloudtrail`,
    );
    expect(counts).toEqual({ n: 3, keys: after.rows, rows: after.rows });

    // Put the bucket back as the other tests expect it.
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${late}` }));
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${PREFIX}/${changed}`,
        Body: readFileSync(path.join(archive, changed)),
      }),
    );
  });

  it('lists only the prefixes that can match --since, --region and --account', async () => {
    const lake = path.join(dir, 'lake-pruned');
    const filters = ['--since', '2026-04-30', '--region', 'us-east-1', '--account', MAIN_ACCOUNT];
    fault().setPlan({});
    const result = await ingestS3(lake, ...filters);
    expect(result.code).toBe(0);
    const prefixes = fault().listRequests.map((r) => r.prefix ?? '');
    expect(
      prefixes.some(
        (p) =>
          p.includes('us-west-2') || p.includes('CloudTrail-Digest') || p.includes('444455556666'),
      ),
    ).toBe(false);
    const dayPrefixes = prefixes.filter((p) => /\/\d{4}\/\d{2}\/\d{2}\/$/.test(p));
    expect(dayPrefixes.length).toBeGreaterThan(0);
    for (const p of dayPrefixes)
      expect(p >= p.replace(/\d{4}\/\d{2}\/\d{2}\/$/, '2026/04/30/')).toBe(true);
    expect(prefixes.length).toBeLessThan(20);

    const localLake = path.join(dir, 'local-pruned');
    expect(
      (await ctlake(['ingest', archive, '--lake', localLake, '--quiet', ...filters])).code,
    ).toBe(0);
    expect(await content(lake)).toEqual(await content(localLake));
    expect((await content(lake)).rows).toBeGreaterThan(0);
    expect((await content(lake)).rows).toBeLessThan((await content(diskLake)).rows);
  });

  it('retries throttling, resets before headers and bodies cut mid-way, without duplicating rows', async () => {
    const lake = path.join(dir, 'lake-faults');
    fault().setPlan({
      sequence: [
        'slowdown',
        'cut-body',
        'reset',
        'slowdown',
        'cut-body',
        'cut-body',
        'reset',
        'slowdown',
      ],
    });
    const result = await ingestS3(lake);
    expect(result.stderr).not.toMatch(/ctlake: s3:/);
    expect(result.code).toBe(0);
    expect(fault().log.filter((r) => r.fault !== null)).toHaveLength(8);
    expect(await content(lake)).toEqual(await content(diskLake));
  });

  it('names an object that keeps failing and one that is denied, and commits the rest', async () => {
    const lake = path.join(dir, 'lake-failing');
    // Two log files (ingest never reads digests, which sort first in each account).
    const logs = keys.filter((k) => k.includes('/CloudTrail/'));
    const broken = logs[10] ?? '';
    const denied = logs[20] ?? '';
    fault().setPlan({
      always: [
        { keyContains: broken, fault: 'cut-body' },
        { keyContains: denied, fault: 'deny' },
      ],
    });
    const result = await ingestS3(lake);
    expect(result.code).toBe(1);
    const lines = result.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('ctlake: s3://'));
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes(broken))).toMatch(
      /cannot read: failed after 5 attempts: body ended after 100 of \d+ bytes|cannot read: failed after 5 attempts/,
    );
    expect(lines.find((l) => l.includes(denied))).toContain('cannot read: access denied (403)');
    const eventsIn = (key: string): number =>
      (
        JSON.parse(gunzipSync(readFileSync(path.join(archive, key))).toString()) as {
          Records: unknown[];
        }
      ).Records.length;
    expect((await content(lake)).rows).toBe(
      (await content(diskLake)).rows - eventsIn(broken) - eventsIn(denied),
    );

    fault().setPlan({});
    const retry = await ingestS3(lake);
    expect(retry.code).toBe(0);
    expect(fault().objectGets).toBe(2);
    expect(await content(lake)).toEqual(await content(diskLake));
  });

  it('streams an object over 16 MB and reads it again when its body breaks off half way, without duplicating rows', async () => {
    const rng = new Rng(31);
    const records = Array.from({ length: 16_000 }, (_, i) => ({
      eventVersion: '1.09',
      eventTime: '2026-04-30T12:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventID: `large-${String(i)}`,
      requestParameters: { key: rng.chars(1500, ALNUM) },
    }));
    const body = gzipSync(JSON.stringify({ Records: records }), { level: 1 });
    expect(body.length).toBeGreaterThan(16 * 1024 * 1024);
    const key = `large/AWSLogs/${MAIN_ACCOUNT}/CloudTrail/us-east-1/2026/04/30/${MAIN_ACCOUNT}_CloudTrail_us-east-1_20260430T1200Z_Large.json.gz`;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    fault().setPlan({ sequence: ['cut-late', 'cut-late'] });
    const lake = path.join(dir, 'lake-large');
    const result = await ctlake(
      [
        'ingest',
        `s3://${BUCKET}/large`,
        '--lake',
        lake,
        '--endpoint-url',
        fault().endpoint,
        '--quiet',
      ],
      { env: ENV },
    );
    expect(result.stderr).not.toMatch(/ctlake: s3:/);
    expect(result.code).toBe(0);
    expect(fault().objectGets).toBe(3);
    const [row] = await queryRows(
      lake,
      `SELECT count(*) AS n, count(DISTINCT "recordIndex") AS indexes, count(DISTINCT "eventID") AS ids FROM cloudtrail`,
    );
    expect(row).toEqual({ n: records.length, indexes: records.length, ids: records.length });
  });

  it('names an unreachable bucket in one line', async () => {
    const result = await ctlake(
      [
        'ingest',
        's3://no-such-bucket-here',
        '--lake',
        path.join(dir, 'nolake'),
        '--endpoint-url',
        moto.endpoint,
      ],
      { env: ENV },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ctlake: cannot list s3:\/\/no-such-bucket-here\/: .*\n$/);
  });
});

describe.skipIf(hasMoto())('S3 sources', () => {
  it.skip(NO_MOTO_REASON, () => undefined);
});
