import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fg from 'fast-glob';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveManifest, generateArchive } from '../../fixtures/generator/archive.js';
import {
  dataToSign,
  digestSignatureOf,
  METADATA_SUFFIX,
  publicKeysDocument,
  rewriteDigest,
  TRAIL_BUCKET,
} from '../../fixtures/generator/digests.js';
import { tempDir } from '../util/cli.js';

const HOUR_MS = 3600_000;

interface LogEntry {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
  newestEventTime: string;
  oldestEventTime: string;
}

interface Digest {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  newestEventTime: string | null;
  oldestEventTime: string | null;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: string | null;
  previousDigestSignature: string | null;
  logFiles: LogEntry[];
}

const FIELD_ORDER = [
  'awsAccountId',
  'digestStartTime',
  'digestEndTime',
  'digestS3Bucket',
  'digestS3Object',
  'digestPublicKeyFingerprint',
  'digestSignatureAlgorithm',
  'newestEventTime',
  'oldestEventTime',
  'previousDigestS3Bucket',
  'previousDigestS3Object',
  'previousDigestHashValue',
  'previousDigestHashAlgorithm',
  'previousDigestSignature',
  'logFiles',
];

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('dataToSign', () => {
  it("matches aws-cli's known vector", () => {
    expect(dataToSign('a', 'b', 'c', 'abc', null)).toBe(
      'a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull',
    );
    expect(dataToSign('a', 'b', 'c', Buffer.from('abc'), 'ff00')).toBe(
      'a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nff00',
    );
  });
});

describe('generated digest files', () => {
  const dir = tempDir('digests');
  const archive = path.join(dir, 'archive');
  const keysFile = path.join(dir, 'keys', 'public-keys.json');
  const end = new Date('2026-03-01T00:00:00Z');
  let manifest: ArchiveManifest;
  /** Raw (uncompressed) digest bytes by key. */
  const raw = new Map<string, Buffer>();
  /** Digest chains by `account/region`, oldest first. */
  const chains = new Map<string, { key: string; digest: Digest }[]>();

  function readDigest(key: string): Digest {
    const bytes = gunzipSync(readFileSync(path.join(archive, key)));
    raw.set(key, bytes);
    return JSON.parse(bytes.toString('utf8')) as Digest;
  }

  beforeAll(async () => {
    manifest = await generateArchive({
      outDir: archive,
      events: 3000,
      seed: 9,
      end,
      days: 2,
      publicKeysFile: keysFile,
    });
    const keys = fg.sync('**/CloudTrail-Digest/**/*.json.gz', { cwd: archive }).sort();
    for (const key of keys) {
      const digest = readDigest(key);
      const chain = `${digest.awsAccountId}/${key.split('/CloudTrail-Digest/')[1]?.split('/')[0] ?? ''}`;
      chains.set(chain, [...(chains.get(chain) ?? []), { key, digest }]);
    }
    for (const list of chains.values())
      list.sort((a, b) => (a.digest.digestEndTime < b.digest.digestEndTime ? -1 : 1));
  });

  it('are hourly, unbroken chains per account and region, in CloudTrail key layout', () => {
    expect(manifest.trailBucket).toBe(TRAIL_BUCKET);
    expect(chains.size).toBe(5);
    expect([...chains.values()].reduce((n, c) => n + c.length, 0)).toBe(manifest.digestFiles);
    const minutes = new Set<string>();
    for (const [name, chain] of chains) {
      // Two days of five-minute windows, delivered up to ~10 minutes late: 49 or 50 hours.
      expect(chain.length, name).toBeGreaterThanOrEqual(48);
      expect(chain.length, name).toBeLessThanOrEqual(50);
      minutes.add(chain[0]?.digest.digestEndTime.slice(14) ?? '');
      for (const [i, { key, digest }] of chain.entries()) {
        expect(Object.keys(digest)).toEqual(FIELD_ORDER);
        const start = Date.parse(digest.digestStartTime);
        const stop = Date.parse(digest.digestEndTime);
        expect(stop - start).toBe(HOUR_MS);
        expect(digest.digestEndTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:31Z$/);
        expect(digest.digestS3Bucket).toBe(TRAIL_BUCKET);
        expect(digest.digestS3Object).toBe(key);
        expect(digest.digestSignatureAlgorithm).toBe('SHA256withRSA');
        const [account, region] = name.split('/');
        const stamp = digest.digestEndTime.replace(/[-:]/g, '');
        const org = account === '444455556666' ? 'o-a1b2c3d4e5/' : '';
        expect(key).toBe(
          `AWSLogs/${org}${account ?? ''}/CloudTrail-Digest/${region ?? ''}/${digest.digestEndTime.slice(0, 10).replace(/-/g, '/')}/` +
            `${account ?? ''}_CloudTrail-Digest_${region ?? ''}_genai-trail_us-east-1_${stamp}.json.gz`,
        );
        const previous = chain[i - 1];
        if (!previous) {
          expect(digest.previousDigestS3Bucket).toBeNull();
          expect(digest.previousDigestS3Object).toBeNull();
          expect(digest.previousDigestHashValue).toBeNull();
          expect(digest.previousDigestHashAlgorithm).toBeNull();
          expect(digest.previousDigestSignature).toBeNull();
          continue;
        }
        expect(digest.digestStartTime).toBe(previous.digest.digestEndTime);
        expect(digest.previousDigestS3Bucket).toBe(TRAIL_BUCKET);
        expect(digest.previousDigestS3Object).toBe(previous.key);
        expect(digest.previousDigestHashAlgorithm).toBe('SHA-256');
        expect(digest.previousDigestHashValue).toBe(
          sha256(raw.get(previous.key) ?? Buffer.alloc(0)),
        );
      }
    }
    // Each stream has its own minute.
    expect(minutes.size).toBe(5);
    // Quiet hours get a digest too.
    const empty = [...chains.values()].flat().filter((d) => d.digest.logFiles.length === 0);
    expect(empty.length).toBeGreaterThan(0);
    for (const { digest } of empty) {
      expect(digest.newestEventTime).toBeNull();
      expect(digest.oldestEventTime).toBeNull();
    }
  });

  it('list every log and Insight file once, in the hour it was delivered, with its hash', () => {
    const listed = new Map<string, { entry: LogEntry; digest: Digest }>();
    for (const { digest } of [...chains.values()].flat()) {
      for (const entry of digest.logFiles) {
        expect(listed.has(entry.s3Object), entry.s3Object).toBe(false);
        listed.set(entry.s3Object, { entry, digest });
      }
    }
    const files = fg
      .sync('**/*.json.gz', { cwd: archive })
      .filter((f) => !f.includes('/CloudTrail-Digest/'))
      .sort();
    expect(files).toHaveLength(manifest.logFiles + manifest.insightFiles);
    expect([...listed.keys()].sort()).toEqual(files);
    expect(files.filter((f) => f.includes('/CloudTrail-Insight/'))).toHaveLength(1);
    for (const file of files) {
      const { entry, digest } = listed.get(file) ?? {};
      if (!entry || !digest) throw new Error(`${file} not listed`);
      const json = gunzipSync(readFileSync(path.join(archive, file)));
      expect(entry.hashValue).toBe(sha256(json));
      expect(entry.hashAlgorithm).toBe('SHA-256');
      expect(entry.s3Bucket).toBe(TRAIL_BUCKET);
      const times = (
        JSON.parse(json.toString()) as { Records: { eventTime: string }[] }
      ).Records.map((r) => r.eventTime).sort();
      expect(entry.oldestEventTime).toBe(times[0]);
      expect(entry.newestEventTime).toBe(times[times.length - 1]);
      // The file's own stamp (its delivery minute) lies in the digest's hour.
      const stamp = /_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_/.exec(path.basename(file));
      if (!stamp) throw new Error(file);
      const minute = Date.parse(`${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:00Z`);
      expect(minute + 60_000).toBeGreaterThan(Date.parse(digest.digestStartTime));
      expect(minute).toBeLessThan(Date.parse(digest.digestEndTime));
      expect(file.split('/CloudTrail')[0]).toBe(digest.digestS3Object.split('/CloudTrail')[0]);
      expect(String(digest.oldestEventTime) <= entry.oldestEventTime).toBe(true);
      expect(String(digest.newestEventTime) >= entry.newestEventTime).toBe(true);
    }
  });

  it('are signed, each signature chained into the next digest, with S3 metadata beside them', async () => {
    const written = JSON.parse(readFileSync(keysFile, 'utf8')) as ReturnType<
      typeof publicKeysDocument
    >;
    const from = new Date(end.getTime() - 3 * 24 * HOUR_MS);
    const to = new Date(end.getTime() + 30 * 24 * HOUR_MS);
    expect(written).toEqual(publicKeysDocument(from, to));
    const [entry] = written.PublicKeyList;
    if (!entry) throw new Error('no key');
    expect(written.PublicKeyList).toHaveLength(1);
    expect(entry.ValidityStartTime).toBe('2026-02-26T00:00:00+00:00');
    expect(entry.ValidityEndTime).toBe('2026-03-31T00:00:00+00:00');
    const der = Buffer.from(entry.Value, 'base64');
    expect(entry.Fingerprint).toBe(createHash('md5').update(der).digest('hex'));
    const key = createPublicKey({ key: der, format: 'der', type: 'pkcs1' });

    for (const chain of chains.values()) {
      let previousSignature: string | null = null;
      for (const { key: digestKey, digest } of chain) {
        expect(digest.digestPublicKeyFingerprint).toBe(entry.Fingerprint);
        const gz = readFileSync(path.join(archive, digestKey));
        const head = JSON.parse(
          readFileSync(path.join(archive, digestKey + METADATA_SUFFIX), 'utf8'),
        ) as Record<string, unknown>;
        expect(Object.keys(head)).toEqual([
          'AcceptRanges',
          'LastModified',
          'ContentLength',
          'ETag',
          'ContentType',
          'ServerSideEncryption',
          'Metadata',
        ]);
        expect(head['ContentLength']).toBe(gz.length);
        expect(head['ETag']).toBe(`"${createHash('md5').update(gz).digest('hex')}"`);
        expect(Date.parse(String(head['LastModified']))).toBeGreaterThan(
          Date.parse(digest.digestEndTime),
        );
        const signature = await digestSignatureOf(archive, digestKey);
        expect(head['Metadata']).toEqual({ signature, 'signature-algorithm': 'SHA256withRSA' });
        expect(digest.previousDigestSignature).toBe(previousSignature);
        const data = dataToSign(
          digest.digestEndTime,
          digest.digestS3Bucket,
          digest.digestS3Object,
          raw.get(digestKey) ?? Buffer.alloc(0),
          previousSignature,
        );
        expect(verify('sha256', Buffer.from(data), key, Buffer.from(signature, 'hex'))).toBe(true);
        previousSignature = signature;
      }
    }
  });

  it('rewriteDigest restarts a chain, re-signed, or tampers without re-signing', async () => {
    const chain = [...chains.values()][0] ?? [];
    const target = chain[10];
    if (!target) throw new Error('short chain');
    const keys = publicKeysDocument(new Date(0), new Date(0)).PublicKeyList[0];
    const key = createPublicKey({
      key: Buffer.from(keys?.Value ?? '', 'base64'),
      format: 'der',
      type: 'pkcs1',
    });
    const holds = async (): Promise<boolean> => {
      const digest = readDigest(target.key);
      return verify(
        'sha256',
        Buffer.from(
          dataToSign(
            digest.digestEndTime,
            digest.digestS3Bucket,
            digest.digestS3Object,
            raw.get(target.key) ?? Buffer.alloc(0),
            digest.previousDigestSignature,
          ),
        ),
        key,
        Buffer.from(await digestSignatureOf(archive, target.key), 'hex'),
      );
    };

    await rewriteDigest(archive, target.key, (d) => {
      for (const field of [
        'previousDigestS3Bucket',
        'previousDigestS3Object',
        'previousDigestHashValue',
        'previousDigestHashAlgorithm',
        'previousDigestSignature',
      ])
        d[field] = null;
    });
    expect(readDigest(target.key).previousDigestSignature).toBeNull();
    expect(await holds()).toBe(true);

    const before = await digestSignatureOf(archive, target.key);
    await rewriteDigest(archive, target.key, (d) => (d['logFiles'] = []), { resign: false });
    expect(readDigest(target.key).logFiles).toEqual([]);
    expect(await digestSignatureOf(archive, target.key)).toBe(before);
    expect(await holds()).toBe(false);
    const gz = readFileSync(path.join(archive, target.key));
    const head = JSON.parse(
      readFileSync(path.join(archive, target.key + METADATA_SUFFIX), 'utf8'),
    ) as Record<string, unknown>;
    expect(head['ContentLength']).toBe(gz.length);
  });
});
