/**
 * Acquisition and verification against a real S3-compatible server: digests stored as CloudTrail
 * stores them, with their signature in S3 object metadata (not in any file). `verify s3://…`
 * reads the signatures from the metadata; `download` mirrors the archive and keeps them in
 * sidecars, so the copy on disk verifies offline with the same result.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fg from 'fast-glob';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateArchive, type ArchiveManifest } from '../../fixtures/generator/archive.js';
import { TRAIL_BUCKET } from '../../fixtures/generator/digests.js';
import {
  hasMoto,
  type Moto,
  MOTO_ENV,
  motoClient,
  NO_MOTO_REASON,
  startMoto,
} from '../../fixtures/s3-server.js';
import { ctlake, tempDir } from '../util/cli.js';

const ENV = MOTO_ENV;
const PREFIX = 'trail';

interface Report {
  digests: { valid: number; invalid: { key: string; reason: string }[]; missing: unknown[] };
  logFiles: { valid: number; invalid: { key: string; reason: string }[]; notCovered: string[] };
}

describe.skipIf(!hasMoto())('verify and download against a real S3-compatible server', () => {
  const dir = tempDir('verify-s3');
  const archive = path.join(dir, 'archive');
  const keysFile = path.join(dir, 'keys.json');
  let moto: Moto;
  let client: S3Client;
  let manifest: ArchiveManifest;
  let logKeys: string[];
  const s3 = (): string[] => ['--endpoint-url', moto.endpoint];

  beforeAll(async () => {
    moto = await startMoto();
    manifest = await generateArchive({
      outDir: archive,
      events: 1500,
      seed: 5,
      end: new Date('2026-04-02T00:00:00Z'),
      days: 1,
      publicKeysFile: keysFile,
    });
    client = motoClient(moto.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));
    const keys = fg.sync('**/*.json.gz', { cwd: archive }).sort();
    logKeys = keys.filter((k) => !k.includes('/CloudTrail-Digest/'));
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map(async (key) => {
          const file = path.join(archive, key);
          // A digest's signature lives in its object metadata, as CloudTrail stores it.
          const metadata = key.includes('/CloudTrail-Digest/')
            ? (
                JSON.parse(readFileSync(`${file}.metadata.json`, 'utf8')) as {
                  Metadata: Record<string, string>;
                }
              ).Metadata
            : undefined;
          await client.send(
            new PutObjectCommand({
              Bucket: TRAIL_BUCKET,
              Key: `${PREFIX}/${key}`,
              Body: readFileSync(file),
              ...(metadata ? { Metadata: metadata } : {}),
            }),
          );
        }),
      );
    }
  }, 300_000);

  afterAll(() => {
    moto.stop();
  });

  it('refuses digests read from S3 at a key other than the one they were delivered to', async () => {
    // Uploaded under a prefix, the digests say they live at the bucket's root: moved.
    const result = await ctlake(
      [
        'verify',
        `s3://${TRAIL_BUCKET}/${PREFIX}`,
        '--public-keys',
        keysFile,
        '--format',
        'json',
        ...s3(),
      ],
      { env: ENV },
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.digests.valid).toBe(0);
    expect(report.digests.invalid[0]?.reason).toMatch(/^has been moved from its original location/);
  });

  it('verifies the archive in place, signatures from S3 metadata; the download verifies the same offline', async () => {
    // The same objects at the keys the digests name.
    for (const key of fg.sync('**/*.json.gz', { cwd: archive })) {
      const file = path.join(archive, key);
      const metadata = key.includes('/CloudTrail-Digest/')
        ? (
            JSON.parse(readFileSync(`${file}.metadata.json`, 'utf8')) as {
              Metadata: Record<string, string>;
            }
          ).Metadata
        : undefined;
      await client.send(
        new PutObjectCommand({
          Bucket: TRAIL_BUCKET,
          Key: key,
          Body: readFileSync(file),
          ...(metadata ? { Metadata: metadata } : {}),
        }),
      );
    }
    const online = await ctlake(
      [
        'verify',
        `s3://${TRAIL_BUCKET}/AWSLogs/`,
        '--public-keys',
        keysFile,
        '--format',
        'json',
        ...s3(),
      ],
      { env: ENV },
    );
    expect(online.stderr).not.toMatch(/^ctlake: /m);
    expect(online.code).toBe(0);
    const report = JSON.parse(online.stdout) as Report;
    expect(report.digests.valid).toBe(manifest.digestFiles);
    expect(report.logFiles.valid).toBe(manifest.logFiles + manifest.insightFiles);

    const copy = path.join(dir, 'copy');
    const downloaded = await ctlake(
      ['download', `s3://${TRAIL_BUCKET}/AWSLogs/`, '--out', copy, ...s3()],
      { env: ENV },
    );
    expect(downloaded.code).toBe(0);
    expect(downloaded.stderr).toMatch(/0 failed/);
    const offline = await ctlake(['verify', copy, '--public-keys', keysFile, '--format', 'json']);
    expect(offline.code).toBe(0);
    const offlineReport = JSON.parse(offline.stdout) as Report;
    expect(offlineReport.digests.valid).toBe(report.digests.valid);
    expect(offlineReport.logFiles.valid).toBe(report.logFiles.valid);

    // A second download writes nothing new.
    const again = await ctlake(
      ['download', `s3://${TRAIL_BUCKET}/AWSLogs/`, '--out', copy, ...s3()],
      { env: ENV },
    );
    expect(again.stderr).toMatch(/ 0 written /);

    // A log file replaced in the bucket is named, read from S3.
    const victim = logKeys[3] ?? '';
    const json = gunzipSync(readFileSync(path.join(archive, victim))).toString('utf8');
    await client.send(
      new PutObjectCommand({
        Bucket: TRAIL_BUCKET,
        Key: victim,
        Body: gzipSync(json.replace('"eventVersion"', '"eventversion"')),
      }),
    );
    const tampered = await ctlake(
      [
        'verify',
        `s3://${TRAIL_BUCKET}/AWSLogs/`,
        '--public-keys',
        keysFile,
        '--format',
        'json',
        ...s3(),
      ],
      { env: ENV },
    );
    expect(tampered.code).toBe(1);
    expect((JSON.parse(tampered.stdout) as Report).logFiles.invalid).toEqual([
      {
        key: `s3://${TRAIL_BUCKET}/${victim}`,
        reason: expect.stringMatching(/^hash value doesn't match/) as string,
      },
    ]);
  }, 120_000);
});

describe.skipIf(hasMoto())('verify and download against S3', () => {
  it.skip(NO_MOTO_REASON, () => undefined);
});
