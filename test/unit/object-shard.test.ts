import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { OBJECT_IDENTITY_SQL } from '../../src/lake/merge-sql.js';
import { UsageError } from '../../src/errors.js';
import { planIngest } from '../../src/ingest/plan.js';
import { LocalSource } from '../../src/source/local.js';
import {
  checkShard,
  inShard,
  parseShard,
  type Shard,
  shardKey,
  shardOf,
  trailRelativeName,
} from '../../src/source/object-shard.js';
import { parseTrailKey } from '../../src/source/trail-key.js';
import type { TrailObject } from '../../src/source/trail-object.js';
import { tempDir } from '../util/cli.js';

const ACCOUNT = '111122223333';

/** A CloudTrail log file's key in the layout, the `n`th of a day. */
function layoutKey(day: number, n: number): string {
  const dd = String(day).padStart(2, '0');
  const hhmm = String(n % 2400).padStart(4, '0');
  const id = `f${String(n).padStart(15, '0')}`;
  return `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2024/05/${dd}/${ACCOUNT}_CloudTrail_us-east-1_202405${dd}T${hhmm}Z_${id}.json.gz`;
}

function s3Object(key: string, bucket = 'trail-bucket'): TrailObject {
  return {
    uri: `s3://${bucket}/${key}`,
    location: { kind: 's3', bucket, key, etag: '"e"' },
    size: 10,
    version: 'e',
    key: parseTrailKey(key),
    archiveKey: key,
  };
}

/** `count` objects: half in CloudTrail's layout, half flat files of other forms. */
function archive(count: number, from = 0): TrailObject[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return s3Object(n % 2 === 0 ? layoutKey(1 + (n % 28), n) : `exports/ndjson/part-${n}.jsonl`);
  });
}

function shardsOf(object: TrailObject, count: number): number[] {
  return Array.from({ length: count }, (_, index) => index).filter((index) =>
    inShard(object, { index, count }),
  );
}

describe('parseShard', () => {
  it.each([
    ['0/1', { index: 0, count: 1 }],
    ['1/2', { index: 1, count: 2 }],
    ['6/7', { index: 6, count: 7 }],
    ['0/1000', { index: 0, count: 1000 }],
  ])('reads %s', (text, shard) => {
    expect(parseShard(text)).toEqual(shard);
  });

  it.each([
    '',
    'x',
    '1',
    '0/0',
    '1/1',
    '2/1',
    '-1/2',
    '0/-2',
    '1.5/2',
    '0/2.0',
    ' 0/2',
    '0/2 ',
    '0/2/3',
    '0 / 2',
    '9007199254740993/9007199254740994',
  ])('refuses %j', (text) => {
    expect(parseShard(text)).toBeUndefined();
  });

  it('refuses a shard given to the library, naming it and the rule', () => {
    expect(() => {
      checkShard({ index: 2, count: 2 });
    }).toThrow(UsageError);
    expect(() => {
      checkShard({ index: 2, count: 2 });
    }).toThrow('--shard 2/2: expected i/n, whole numbers with 0 ≤ i < n (e.g. 0/4)');
    expect(() => {
      checkShard({ index: 0.5, count: 2 });
    }).toThrow('--shard 0.5/2');
    expect(() => {
      checkShard({ index: 0, count: 1 });
    }).not.toThrow();
  });
});

describe('shardOf', () => {
  // Pinned: lakes built by shard are merged later, so the split is a contract across versions.
  // Expected values from Python: int.from_bytes(sha256(key)[:8], 'big') % n.
  it.each([
    [
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2024/05/09/${ACCOUNT}_CloudTrail_us-east-1_20240509T1015Z_abcdefghijklmnop.json.gz`,
      [0, 2, 6, 122],
    ],
    ['flat/events.json', [0, 0, 1, 402]],
    ['café.json', [1, 0, 0, 641]],
  ])('%s falls in shards %j of 2, 3, 7, 1000', (key, expected) => {
    expect([2, 3, 7, 1000].map((n) => shardOf(key, n))).toEqual(expected);
  });
});

describe('a split', () => {
  const objects = archive(600);

  it.each([1, 2, 3, 7])('of %i shards reads every object exactly once', (count) => {
    for (const object of objects) expect(shardsOf(object, count), object.uri).toHaveLength(1);
    const plans = Array.from({ length: count }, (_, index) =>
      planIngest(objects, new Map(), { index, count }),
    );
    const read = plans.flatMap((plan) => plan.todo.map((o) => o.uri));
    expect(read.sort()).toEqual(objects.map((o) => o.uri).sort());
    for (const plan of plans) {
      expect(plan.otherShards).toBe(objects.length - plan.todo.length);
      // Spread evenly: no shard gets less than half or more than twice its fair share.
      expect(plan.todo.length).toBeGreaterThan(objects.length / count / 2);
      expect(plan.todo.length).toBeLessThan((objects.length / count) * 2);
    }
  });

  it.each([2, 3, 7])(
    'of %i shards keeps every object in its shard as objects are added',
    (count) => {
      const grown = [...objects, ...archive(400, objects.length)];
      for (let index = 0; index < count; index++) {
        const shard: Shard = { index, count };
        const before = planIngest(objects, new Map(), shard).todo.map((o) => o.uri);
        const after = new Set(planIngest(grown, new Map(), shard).todo.map((o) => o.uri));
        expect(before.every((uri) => after.has(uri))).toBe(true);
        expect(
          objects
            .filter((o) => after.has(o.uri))
            .map((o) => o.uri)
            .sort(),
        ).toEqual(before);
      }
    },
  );

  it('leaves digests to no shard: every shard counts them, none reads them', () => {
    const digest = s3Object(
      `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2024/05/09/${ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240509T101500Z.json.gz`,
    );
    for (let index = 0; index < 3; index++) {
      const plan = planIngest([...objects, digest], new Map(), { index, count: 3 });
      expect(plan.digests).toBe(1);
      expect(plan.todo.length + plan.otherShards).toBe(objects.length);
    }
  });
});

describe("an object's shard key", () => {
  const files = [
    'flat/events.json',
    'flat/nested/lookup-events.json',
    'export/000000.gz',
    `o-abcdefghij/${layoutKey(9, 1)}`,
    layoutKey(10, 2),
  ];

  /** The archive's files under `root`, listed by a LocalSource given `spec`. */
  async function listed(root: string, spec: string): Promise<Map<string, TrailObject>> {
    for (const file of files) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), '{"Records":[]}');
    }
    const byName = new Map<string, TrailObject>();
    for await (const object of new LocalSource(spec).list()) {
      byName.set(path.relative(root, object.uri).split(path.sep).join('/'), object);
    }
    return byName;
  }

  it('is the same for the same archive under two different roots, and in S3', async () => {
    const base = tempDir('shard');
    const a = await listed(path.join(base, 'a'), path.join(base, 'a'));
    const b = await listed(
      path.join(base, 'b', 'deeper', 'copy'),
      path.join(base, 'b', 'deeper', 'copy'),
    );
    expect([...a.keys()].sort()).toEqual([...files].sort());
    for (const file of files) {
      const [fromA, fromB] = [a.get(file), b.get(file)];
      if (fromA === undefined || fromB === undefined) throw new Error(`${file} not listed`);
      expect(fromA.uri).not.toBe(fromB.uri);
      expect(shardKey(fromA), file).toBe(shardKey(fromB));
      // `ctlake download` writes `DIR/<key>`: the bucket and its copy split alike.
      expect(shardKey(s3Object(file)), file).toBe(shardKey(fromA));
      for (const count of [2, 3, 7]) expect(shardsOf(fromA, count)).toEqual(shardsOf(fromB, count));
    }
    expect(shardKey(a.get('flat/events.json') as TrailObject)).toBe('flat/events.json');
    expect(shardKey(a.get(layoutKey(10, 2)) as TrailObject)).toBe(layoutKey(10, 2));
  });

  it('names a file inside the layout from AWSLogs on, wherever the source starts', async () => {
    const base = tempDir('shard');
    const root = path.join(base, 'bucket-copy', 'prefix');
    const whole = await listed(root, root);
    const account = await listed(root, path.join(root, 'AWSLogs', ACCOUNT));
    const key = layoutKey(10, 2);
    expect(shardKey(account.get(key) as TrailObject)).toBe(key);
    expect(shardKey(whole.get(key) as TrailObject)).toBe(key);
    expect(shardKey(s3Object(`some/other/prefix/${key}`))).toBe(key);
  });

  it('is the path under the fixed part of a glob, and a lone file its name', async () => {
    const base = tempDir('shard');
    const root = path.join(base, 'archive');
    const globbed = await listed(root, `${root}/flat/**/*.json`);
    expect(shardKey(globbed.get('flat/nested/lookup-events.json') as TrailObject)).toBe(
      'nested/lookup-events.json',
    );
    const braced = await listed(root, `${root}/{flat,export}/**/*`);
    expect(shardKey(braced.get('export/000000.gz') as TrailObject)).toBe('export/000000.gz');
    const lone = await listed(root, path.join(root, 'flat', 'events.json'));
    expect(shardKey(lone.get('flat/events.json') as TrailObject)).toBe('events.json');
  });

  it("is a source of one's own's uri when it gives no archive key", () => {
    const object: TrailObject = {
      uri: 'custom://place/x.json',
      location: { kind: 'file', path: '/x.json' },
      size: 1,
      version: '1',
      key: { kind: 'log' },
    };
    expect(shardKey(object)).toBe('custom://place/x.json');
  });
});

describe('an object’s identity across lakes (merge) is the shard rule’s name', () => {
  it.each([
    `s3://trail-bucket/${layoutKey(3, 7)}`,
    `s3://trail-bucket/org/AWSLogs/o-abc123/${layoutKey(3, 7)}`,
    `/data/copy/${layoutKey(3, 7)}`,
    `/data/AWSLogs/old/AWSLogs/${ACCOUNT}/CloudTrail/x.json.gz`,
    '/data/exports/events.jsonl.gz',
    's3://bucket/AWSLogsX/file.json.gz',
  ])('%s', async (uri) => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT ${OBJECT_IDENTITY_SQL} AS identity FROM (SELECT $1 AS uri)`,
        [uri],
      );
      expect(reader.getRowObjectsJS()[0]?.['identity']).toBe(trailRelativeName(uri) ?? uri);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
