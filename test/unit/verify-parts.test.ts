import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyseChains, type ChainLink } from '../../src/verify/chains.js';
import { contentHash } from '../../src/verify/content-hash.js';
import { dataToSign, type DigestDocument, signatureFromMetadata } from '../../src/verify/digest.js';
import { keyFor, readPublicKeys } from '../../src/verify/public-keys.js';
import { tempDir } from '../util/temp-dir.js';

const sha = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

describe('the string CloudTrail signs', () => {
  it("matches aws-cli's known vector", () => {
    const digest = {
      digestEndTime: 'a',
      digestS3Bucket: 'b',
      digestS3Object: 'c',
      previousDigestSignature: null,
    } as unknown as DigestDocument;
    expect(dataToSign(digest, sha('abc'))).toBe(
      'a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull',
    );
  });

  it('reads the signature from head-object output, its Metadata alone, or x-amz-meta- names', () => {
    const want = { signature: 'ab12', algorithm: 'SHA256withRSA' };
    const metadata = { signature: 'ab12', 'signature-algorithm': 'SHA256withRSA' };
    expect(signatureFromMetadata({ ContentLength: 3, Metadata: metadata })).toEqual(want);
    expect(signatureFromMetadata(metadata)).toEqual(want);
    expect(
      signatureFromMetadata({
        'x-amz-meta-signature': 'ab12',
        'x-amz-meta-signature-algorithm': 'SHA256withRSA',
      }),
    ).toEqual(want);
    expect(signatureFromMetadata({ Metadata: {} })).toEqual({
      reason: 'no signature in the metadata',
    });
  });
});

describe('content hash of a log file', () => {
  const json = '{"Records":[]}';

  it('hashes the inflated content of one gzip member, or a file that is not gzip as it is', async () => {
    expect(await contentHash(gzipSync(json))).toEqual({
      sha256: sha(json),
      contentBytes: json.length,
    });
    expect(await contentHash(Buffer.from(json))).toEqual({
      sha256: sha(json),
      contentBytes: json.length,
    });
  });

  it('refuses anything after the first member, a cut stream and a wrong CRC', async () => {
    const gz = gzipSync(json);
    expect(await contentHash(Buffer.concat([gz, gzipSync('{}')]))).toEqual({
      reason: `${String(gzipSync('{}').length)} bytes of unexpected data after the end of the gzip stream`,
    });
    expect(await contentHash(Buffer.concat([gz, Buffer.alloc(4)]))).toEqual({
      reason: '4 bytes of unexpected data after the end of the gzip stream',
    });
    expect(await contentHash(gz.subarray(0, gz.length - 4))).toEqual({
      reason: 'truncated gzip data (no gzip trailer)',
    });
    expect(await contentHash(gz.subarray(0, 14))).toMatchObject({
      reason: expect.stringMatching(/^truncated gzip data/) as string,
    });
    const badCrc = Buffer.from(gz);
    badCrc[gz.length - 8] = (badCrc[gz.length - 8] ?? 0) ^ 0xff;
    expect(await contentHash(badCrc)).toEqual({
      reason: 'corrupt gzip data (the CRC-32 in the trailer does not match)',
    });
  });
});

describe('public keys as list-public-keys prints them', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const der = publicKey.export({ format: 'der', type: 'pkcs1' }).toString('base64');
  const dir = tempDir('keys');

  it('takes ISO times (CLI v2) and epoch seconds as numbers or text (API, CLI v1)', () => {
    const file = path.join(dir, 'keys.json');
    writeFileSync(
      file,
      JSON.stringify({
        PublicKeyList: [
          {
            Value: der,
            ValidityStartTime: '2024-01-01T00:00:00+00:00',
            ValidityEndTime: '2024-02-01T00:00:00+00:00',
            Fingerprint: 'AA',
          },
          {
            Value: der,
            ValidityStartTime: '1706745600.0',
            ValidityEndTime: 1709251200,
            Fingerprint: 'bb',
          },
        ],
      }),
    );
    const keys = readPublicKeys([file]);
    expect(
      keys.map((k) => [k.fingerprint, k.validFrom.toISOString(), k.validTo.toISOString()]),
    ).toEqual([
      ['aa', '2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z'],
      ['bb', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ]);
    expect('key' in keyFor(keys, 'AA', new Date('2024-01-15T00:00:00Z'))).toBe(true);
    expect(keyFor(keys, 'aa', new Date('2024-02-15T00:00:00Z'))).toEqual({
      reason:
        'public key aa is valid 2024-01-01T00:00:00.000Z to 2024-02-01T00:00:00.000Z, not at 2024-02-15T00:00:00.000Z',
    });
    expect(keyFor(keys, 'cc', new Date('2024-01-15T00:00:00Z'))).toEqual({
      reason: 'public key cc is not in the --public-keys files',
    });
  });

  it('names the file and the entry that is wrong', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ PublicKeyList: [{ Value: der, Fingerprint: 'aa' }] }));
    expect(() => readPublicKeys([file])).toThrow(
      `--public-keys ${file}: PublicKeyList[0] has no readable ValidityStartTime/ValidityEndTime`,
    );
    expect(() => readPublicKeys([path.join(dir, 'none.json')])).toThrow(
      /cannot read --public-keys .*ENOENT/,
    );
  });
});

describe('digest chains', () => {
  const hour = 3_600_000;
  const t0 = Date.parse('2024-05-09T00:01:31Z');
  /** Digest i of a chain: [t0 + i h, t0 + (i+1) h), naming digest i-1 unless it starts a chain. */
  const link = (i: number, starts = false): ChainLink => ({
    trailKey: `AWSLogs/1/CloudTrail-Digest/us-east-1/d${String(i)}.json.gz`,
    account: '111122223333',
    region: 'us-east-1',
    trail: 't',
    backfill: false,
    start: new Date(t0 + i * hour),
    end: new Date(t0 + (i + 1) * hour),
    contentSha256: `h${String(i)}`,
    signature: `s${String(i)}`,
    intact: true,
    ...(starts || i === 0
      ? {}
      : {
          previousTrailKey: `AWSLogs/1/CloudTrail-Digest/us-east-1/d${String(i - 1)}.json.gz`,
          previousHash: `h${String(i - 1)}`,
          previousSignature: `s${String(i - 1)}`,
        }),
  });

  it('finds three digests deleted in a row as one range of three', () => {
    const found = analyseChains([0, 1, 5, 6].map((i) => link(i)));
    expect(found.missing).toEqual([
      {
        account: '111122223333',
        region: 'us-east-1',
        trail: 't',
        from: '2024-05-09T02:01:31Z',
        to: '2024-05-09T05:01:31Z',
        digests: 3,
        nextDigest: link(5).trailKey,
      },
    ]);
    expect(found.gaps).toEqual([]);
    expect(found.badLinks.size).toBe(0);
  });

  it('calls a restart a gap, and checks the ends against the requested range', () => {
    const links = [link(2), link(3), link(6, true)];
    const found = analyseChains(links, {
      from: new Date(t0),
      to: new Date(t0 + 9 * hour),
    });
    expect(found.gaps.map((g) => [g.from, g.to])).toEqual([
      ['2024-05-09T04:01:31Z', '2024-05-09T06:01:31Z'],
    ]);
    expect(found.missing.map((m) => [m.from, m.to, m.digests])).toEqual([
      ['2024-05-09T00:01:31Z', '2024-05-09T02:01:31Z', 2],
      ['2024-05-09T07:01:31Z', '2024-05-09T09:01:31Z', 2],
    ]);
  });

  it('names a link whose previous hash or signature is not the digest before it', () => {
    const altered = { ...link(2), previousHash: 'other' };
    expect(analyseChains([link(0), link(1), altered]).badLinks.get(altered.trailKey)).toMatch(
      /^previousDigestHashValue does not match the content of/,
    );
    const resigned = { ...link(2), previousSignature: 'other' };
    expect(analyseChains([link(0), link(1), resigned]).badLinks.get(resigned.trailKey)).toMatch(
      /^previousDigestSignature does not match/,
    );
  });
});
