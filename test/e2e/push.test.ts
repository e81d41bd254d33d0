/**
 * `ctlake push` against a real S3-compatible server (moto on loopback), through a proxy that
 * cuts the connection of uploads once a few have passed, as a network that goes down does. What
 * reached the server is read back from the server (listing, bytes, the proxy's request log), not
 * from what push says it did.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import {
  hasMoto,
  type Moto,
  MOTO_ENV,
  motoClient,
  NO_MOTO_REASON,
  startMoto,
} from '../../fixtures/s3-server.js';
import { ctlake, tempDir } from '../util/cli.js';
import { catalogRows } from '../util/lake-fingerprint.js';
import { FaultProxy } from '../util/fault-proxy.js';

const BUCKET = 'lake-bucket';
const PREFIX = 'audit/lake';
const ENV = MOTO_ENV;

describe.skipIf(!hasMoto())('ctlake push to a real S3-compatible server', () => {
  const dir = tempDir('push');
  const lake = path.join(dir, 'lake');
  let moto: Moto;
  let proxy: FaultProxy;
  let client: S3Client;

  const push = (...extra: string[]): ReturnType<typeof ctlake> =>
    ctlake(
      [
        'push',
        `s3://${BUCKET}/${PREFIX}/`,
        '--lake',
        lake,
        '--endpoint-url',
        proxy.endpoint,
        ...extra,
      ],
      { env: ENV },
    );

  /** The lake's live parts, as keys under the prefix, with their files' SHA-256. */
  const liveParts = async (): Promise<Map<string, string>> => {
    const rows = await catalogRows(lake, `SELECT part FROM parts WHERE state = 'live'`);
    return new Map(
      rows.map((r) => {
        const part = String(r['part']);
        const bytes = readFileSync(path.join(lake, 'events', part));
        return [`${PREFIX}/events/${part}`, createHash('sha256').update(bytes).digest('hex')];
      }),
    );
  };

  /** Every key under the prefix with the SHA-256 of its bytes as the server holds them. */
  const held = async (): Promise<Map<string, string>> => {
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }),
    );
    const out = new Map<string, string>();
    for (const object of listed.Contents ?? []) {
      const key = object.Key ?? '';
      const body = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const bytes = Buffer.from(await (body.Body?.transformToByteArray() ?? new Uint8Array()));
      out.set(key, createHash('sha256').update(bytes).digest('hex'));
    }
    return out;
  };

  /** The size of the lake's file behind a key under the prefix. */
  const statSize = (key: string | undefined): number =>
    statSync(path.join(lake, 'events', (key ?? '').slice(`${PREFIX}/events/`.length))).size;

  const withoutManifest = (keys: Map<string, string>): Map<string, string> =>
    new Map([...keys].filter(([key]) => !key.endsWith('ctlake-manifest.json')));

  beforeAll(async () => {
    moto = await startMoto();
    proxy = new FaultProxy(moto.endpoint);
    await proxy.start();
    client = motoClient(moto.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const archive = path.join(dir, 'archive');
    await generateArchive({
      outDir: archive,
      events: 600,
      seed: 31,
      end: new Date('2026-11-20T00:00:00Z'),
      days: 4,
    });
    // Two ingests, of each day's morning and of its afternoon: two parts per day, so that
    // compaction changes them.
    for (const hours of ['[01]', '2']) {
      const run = await ctlake([
        'ingest',
        `${archive}/**/*T${hours}[0-9][0-9][0-9]Z_*.json.gz`,
        '--lake',
        lake,
        '--workers',
        '1',
      ]);
      expect(run.code, run.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await proxy.stop();
    moto.stop();
  });

  it('stops in one line when the connection is cut, keeping the parts already up', async () => {
    expect((await liveParts()).size).toBeGreaterThanOrEqual(5);
    proxy.setPlan({ putsBeforeCut: 2 });
    const cut = await push('--concurrency', '1');
    expect(cut.code).toBe(1);
    const lines = cut.stderr.trim().split('\n');
    expect(lines, cut.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ctlake: push: cannot upload s3:\/\/lake-bucket\/audit\/lake\/events\/event_date=\S+\.parquet \(2 of \d+ parts uploaded by this run; run push again to resume\): /,
    );
    const there = await held();
    const live = await liveParts();
    // Exactly the two parts that went through, whole; no manifest before every part is up.
    expect(there.size).toBe(2);
    for (const [key, sha] of there) expect(live.get(key)).toBe(sha);
  });

  it('resumes: uploads only the parts not there yet, then the manifest', async () => {
    proxy.setPlan({});
    const resumed = await push();
    expect(resumed.code, resumed.stderr).toBe(0);
    const live = await liveParts();
    expect(proxy.objectPuts).toHaveLength(live.size - 2 + 1);
    expect(resumed.stderr).toMatch(
      new RegExp(`${String(live.size - 2)} uploaded \\(.*\\), 2 already there, 0 no longer`),
    );
    expect(withoutManifest(await held())).toEqual(live);
    const manifestObject = await client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/ctlake-manifest.json` }),
    );
    const manifest = JSON.parse((await manifestObject.Body?.transformToString()) ?? '') as {
      format: string;
      events: number;
      parts: { key: string; sha256: string }[];
    };
    expect(manifest.format).toBe('ctlake-push/1');
    expect(new Map(manifest.parts.map((p) => [`${PREFIX}/${p.key}`, p.sha256]))).toEqual(live);
    const [events] = await catalogRows(lake, `SELECT sum(events)::BIGINT AS n FROM objects`);
    expect(manifest.events).toBe(Number(events?.['n']));
  });

  it('uploads nothing again when nothing changed', async () => {
    proxy.setPlan({});
    const again = await push();
    expect(again.code, again.stderr).toBe(0);
    expect(proxy.objectPuts).toHaveLength(1); // the manifest
    expect(again.stderr).toMatch(/ 0 uploaded \(0\.0 MB\), \d+ already there/);
  });

  it('uploads again a part whose object was replaced by other bytes of the same size', async () => {
    const [key] = [...(await liveParts()).keys()];
    const size = (await held()).size;
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.alloc(statSize(key), 0x20) }),
    );
    proxy.setPlan({});
    const repaired = await push();
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toMatch(/ 1 uploaded /);
    expect(withoutManifest(await held())).toEqual(await liveParts());
    expect((await held()).size).toBe(size);
  });

  it('after a compaction, uploads the new parts and deletes the retired ones', async () => {
    const before = await liveParts();
    const compacted = await ctlake(['compact', '--lake', lake]);
    expect(compacted.code, compacted.stderr).toBe(0);
    const live = await liveParts();
    expect([...live.keys()].some((key) => before.has(key))).toBe(false);
    proxy.setPlan({});
    const pushed = await push();
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain(`${String(before.size)} no longer in the lake deleted`);
    expect(withoutManifest(await held())).toEqual(live);
  });

  it("refuses a prefix that holds another lake's push, changing nothing there", async () => {
    const other = path.join(dir, 'other-lake');
    const ingested = await ctlake([
      'ingest',
      path.join(dir, 'archive'),
      '--lake',
      other,
      '--workers',
      '1',
      '--quiet',
    ]);
    expect(ingested.code, ingested.stderr).toBe(0);
    const before = await held();
    proxy.setPlan({});
    const refused = await ctlake(
      ['push', `s3://${BUCKET}/${PREFIX}`, '--lake', other, '--endpoint-url', proxy.endpoint],
      { env: ENV },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /holds another lake's push \(lake [0-9a-f-]{36}, this one is [0-9a-f-]{36}\)/,
    );
    expect(proxy.objectPuts).toEqual([]);
    expect(await held()).toEqual(before);
  });

  it('refuses a lake whose part is missing or cut short, naming it, before sending anything', async () => {
    const damaged = path.join(dir, 'damaged-lake');
    cpSync(lake, damaged, { recursive: true });
    const [key] = [...(await liveParts()).keys()];
    const file = path.join(damaged, 'events', (key ?? '').slice(`${PREFIX}/events/`.length));
    const pushDamaged = (): ReturnType<typeof ctlake> =>
      ctlake(
        ['push', `s3://${BUCKET}/damaged`, '--lake', damaged, '--endpoint-url', proxy.endpoint],
        { env: ENV },
      );
    proxy.setPlan({});
    truncateSync(file, 100);
    const short = await pushDamaged();
    expect(short.code).toBe(1);
    expect(short.stderr.trim().split('\n')).toHaveLength(1);
    expect(short.stderr).toMatch(
      /is damaged: its part event_date=\S+\.parquet has 100 bytes, \d+ recorded \(nothing pushed\)/,
    );
    rmSync(file);
    const missing = await pushDamaged();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /its part event_date=\S+\.parquet is missing \(nothing pushed\)/,
    );
    expect(proxy.objectPuts).toEqual([]);
  });

  it.each([
    ['a local path', [path.join(dir, 'elsewhere')], /is not an S3 location/],
    ['no lake', ['s3://lake-bucket/x', '--lake', path.join(dir, 'none')], /no lake at/],
  ])('refuses %s in one line', async (_, args, message) => {
    const result = await ctlake(['push', ...args], { env: ENV });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});

describe.skipIf(hasMoto())('ctlake push', () => {
  it.skip(`needs an S3-compatible server: ${NO_MOTO_REASON}`, () => undefined);
});
