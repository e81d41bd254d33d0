/**
 * `ctlake verify` on a generated archive whose digests are signed exactly as CloudTrail signs
 * them (fixtures/generator/digests.ts), one tamper case per test: each case copies the genuine
 * archive, damages it as an attacker or an accident would, and checks the JSON report names
 * exactly the damage, computed here from the files, not from the verifier.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fg from 'fast-glob';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateArchive,
  MAIN_ACCOUNT,
  type ArchiveManifest,
} from '../../fixtures/generator/archive.js';
import {
  digestSignatureOf,
  rewriteDigest,
  TRAIL_BUCKET,
} from '../../fixtures/generator/digests.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';

interface Report {
  digests: {
    valid: number;
    invalid: { key: string; reason: string }[];
    missing: Record<string, unknown>[];
  };
  logFiles: {
    valid: number;
    invalid: { key: string; reason: string }[];
    missing: { key: string; digest: string }[];
    notCovered: string[];
  };
  gaps: Record<string, unknown>[];
  lake?: {
    parts: { valid: number; changed: { part: string }[]; missing: string[]; stray: string[] };
    objects: { total: number; affected: { uri: string; events: number; rowsPresent: number }[] };
  };
  ok: boolean;
}

const root = tempDir('verify');
const genuine = path.join(root, 'genuine');
const keysFile = path.join(root, 'public-keys.json');
let manifest: ArchiveManifest;
let cases = 0;

/** A fresh copy of the genuine archive to damage. */
function copy(): string {
  const dir = path.join(root, `case-${String(++cases)}`);
  cpSync(genuine, dir, { recursive: true });
  return dir;
}

async function verifyJson(
  args: readonly string[],
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const result = await ctlake(['verify', ...args, '--format', 'json']);
  return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

/** Digest keys (relative to the archive) of the main account's us-east-1 chain, in time order. */
function mainChain(dir: string): string[] {
  return fg
    .sync(`AWSLogs/${MAIN_ACCOUNT}/CloudTrail-Digest/us-east-1/**/*.json.gz`, { cwd: dir })
    .sort();
}

function digestOf(
  dir: string,
  key: string,
): { logFiles: { s3Object: string }[] } & Record<string, unknown> {
  return JSON.parse(gunzipSync(readFileSync(path.join(dir, key))).toString('utf8')) as {
    logFiles: { s3Object: string }[];
  } & Record<string, unknown>;
}

/** A digest of the main chain listing at least one log file, away from the chain's ends. */
function busyDigest(dir: string, from = 10): { key: string; logs: string[] } {
  const chain = mainChain(dir);
  for (const key of chain.slice(from, -2)) {
    const logs = digestOf(dir, key).logFiles.map((f) => f.s3Object);
    if (logs.length >= 2) return { key, logs };
  }
  throw new Error('no digest with log files');
}

function totalLogFiles(): number {
  return manifest.logFiles + manifest.insightFiles;
}

beforeAll(async () => {
  manifest = await generateArchive({
    outDir: genuine,
    events: 3000,
    seed: 17,
    end: new Date('2026-06-03T00:00:00Z'),
    days: 2,
    publicKeysFile: keysFile,
  });
}, 120_000);

describe('ctlake verify: a genuine archive', () => {
  it('finds every digest and every log file valid, in text as validate-logs words it', async () => {
    const { code, report } = await verifyJson([genuine, '--public-keys', keysFile]);
    expect(code).toBe(0);
    expect(report.digests).toEqual({ valid: manifest.digestFiles, invalid: [], missing: [] });
    expect(report.logFiles).toEqual({
      valid: totalLogFiles(),
      invalid: [],
      missing: [],
      notCovered: [],
    });
    expect(report.gaps).toEqual([]);
    const text = await ctlake(['verify', genuine, '--public-keys', keysFile]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `${String(manifest.digestFiles)}/${String(manifest.digestFiles)} digest files valid`,
    );
    expect(text.stdout).toContain(
      `${String(totalLogFiles())}/${String(totalLogFiles())} log files valid`,
    );
  });

  it('refuses to vouch without public keys, and names a bad keys file, in one line (exit 2)', async () => {
    const none = await ctlake(['verify', genuine]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain('--public-keys');
    const bad = path.join(root, 'bad-keys.json');
    writeFileSync(bad, '{"Keys": []}');
    const wrong = await ctlake(['verify', genuine, '--public-keys', bad]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`--public-keys ${bad}: no PublicKeyList array`);
  });

  it('says in one line that a range holds no digests (exit 1)', async () => {
    const result = await ctlake([
      'verify',
      genuine,
      '--public-keys',
      keysFile,
      '--since',
      '2020-01-01',
      '--until',
      '2020-01-02',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual([
      'Results requested for 2020-01-01T00:00:00Z to 2020-01-03T00:00:00Z',
      expect.stringMatching(/^No digest files found in range: 0 log files cannot be verified/),
    ]);
  });
});

describe('ctlake verify: log files tampered with', () => {
  it('names a log file whose content changed (hash mismatch)', async () => {
    const dir = copy();
    const { logs } = busyDigest(dir);
    const victim = path.join(dir, logs[0] ?? '');
    const json = gunzipSync(readFileSync(victim))
      .toString('utf8')
      .replace('"us-east-1"', '"us-east-2"');
    writeFileSync(victim, gzipSync(json));
    const { code, report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(code).toBe(1);
    expect(report.logFiles.invalid).toEqual([
      { key: victim, reason: expect.stringMatching(/^hash value doesn't match/) as string },
    ]);
    expect(report.logFiles.valid).toBe(totalLogFiles() - 1);
    expect(report.digests.invalid).toEqual([]);
  });

  it('names a deleted log file and the digest that lists it', async () => {
    const dir = copy();
    const { key, logs } = busyDigest(dir);
    unlinkSync(path.join(dir, logs[1] ?? ''));
    const { code, report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(code).toBe(1);
    expect(report.logFiles.missing).toEqual([
      { key: `s3://${TRAIL_BUCKET}/${logs[1] ?? ''}`, digest: path.join(dir, key) },
    ]);
    expect(report.logFiles.valid).toBe(totalLogFiles() - 1);
  });

  it('names a log file added later, which no digest lists', async () => {
    const dir = copy();
    const { logs } = busyDigest(dir);
    const added = path.join(
      dir,
      path.dirname(logs[0] ?? ''),
      `${MAIN_ACCOUNT}_CloudTrail_us-east-1_20260602T1200Z_planted0000000.json.gz`,
    );
    cpSync(path.join(dir, logs[0] ?? ''), added);
    const { code, report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(code).toBe(1);
    expect(report.logFiles.notCovered).toEqual([added]);
    expect(report.logFiles.valid).toBe(totalLogFiles());
  });

  it('refuses a truncated gzip and bytes appended after the gzip stream', async () => {
    const dir = copy();
    const { logs } = busyDigest(dir);
    const cut = path.join(dir, logs[0] ?? '');
    const appended = path.join(dir, logs[1] ?? '');
    const bytes = readFileSync(cut);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    writeFileSync(appended, Buffer.concat([readFileSync(appended), Buffer.alloc(16)]));
    const { code, report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(code).toBe(1);
    expect(report.logFiles.invalid).toEqual(
      [
        { key: cut, reason: expect.stringMatching(/^truncated gzip data/) as string },
        { key: appended, reason: '16 bytes of unexpected data after the end of the gzip stream' },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
  });
});

describe('ctlake verify: digests tampered with', () => {
  it('names a digest whose content changed (its signature no longer holds)', async () => {
    const dir = copy();
    const { key } = busyDigest(dir);
    await rewriteDigest(
      dir,
      key,
      (d) => {
        (d['logFiles'] as unknown[]).pop();
      },
      { resign: false },
    );
    const { code, report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(code).toBe(1);
    expect(report.digests.invalid).toEqual([
      { key: path.join(dir, key), reason: 'signature verification failed' },
    ]);
    expect(report.digests.valid).toBe(manifest.digestFiles - 1);
    expect(report.digests.missing).toEqual([]);
  });

  it('names a forged signature', async () => {
    const dir = copy();
    const { key } = busyDigest(dir);
    const sidecar = path.join(dir, `${key}.metadata.json`);
    const head = JSON.parse(readFileSync(sidecar, 'utf8')) as { Metadata: { signature: string } };
    head.Metadata.signature = 'ab'.repeat(256);
    writeFileSync(sidecar, JSON.stringify(head));
    const { report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(report.digests.invalid).toEqual([
      { key: path.join(dir, key), reason: 'signature verification failed' },
    ]);
  });

  it('names a digest without its signature sidecar, and says how to get one', async () => {
    const dir = copy();
    const { key } = busyDigest(dir);
    unlinkSync(path.join(dir, `${key}.metadata.json`));
    const { report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(report.digests.invalid).toEqual([
      {
        key: path.join(dir, key),
        reason: expect.stringContaining('ctlake download') as string,
      },
    ]);
  });

  it('names a digest moved from where it was delivered', async () => {
    const dir = copy();
    const { key } = busyDigest(dir);
    const moved = key
      .replace('/us-east-1/', '/us-west-2/')
      .replace('_us-east-1_genai', '_us-west-2_genai');
    cpSync(path.join(dir, key), path.join(dir, moved));
    cpSync(path.join(dir, `${key}.metadata.json`), path.join(dir, `${moved}.metadata.json`));
    const { report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(report.digests.invalid).toEqual([
      {
        key: path.join(dir, moved),
        reason: `has been moved from its original location (it says s3://${TRAIL_BUCKET}/${key})`,
      },
    ]);
  });

  it('finds one deleted digest: its hour is missing and its log files are not covered', async () => {
    const dir = copy();
    const chain = mainChain(dir);
    const { key, logs } = busyDigest(dir);
    const at = chain.indexOf(key);
    unlinkSync(path.join(dir, key));
    const before = digestOf(dir, chain[at - 1] ?? '');
    const after = digestOf(dir, chain[at + 1] ?? '');
    const { code, report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(code).toBe(1);
    expect(report.digests.missing).toEqual([
      {
        account: MAIN_ACCOUNT,
        region: 'us-east-1',
        trail: 'genai-trail (home region us-east-1)',
        from: before['digestEndTime'],
        to: after['digestStartTime'],
        digests: 1,
        nextDigest: chain[at + 1],
      },
    ]);
    expect(report.logFiles.notCovered).toEqual(logs.map((l) => path.join(dir, l)).sort());
  });

  it('finds two consecutive deleted digests as one missing range of two (aws-cli reports one)', async () => {
    const dir = copy();
    const chain = mainChain(dir);
    const at = chain.indexOf(busyDigest(dir).key);
    unlinkSync(path.join(dir, chain[at] ?? ''));
    unlinkSync(path.join(dir, chain[at + 1] ?? ''));
    const before = digestOf(dir, chain[at - 1] ?? '');
    const after = digestOf(dir, chain[at + 2] ?? '');
    const { report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(report.digests.missing).toEqual([
      expect.objectContaining({
        from: before['digestEndTime'],
        to: after['digestStartTime'],
        digests: 2,
        nextDigest: chain[at + 2],
      }),
    ]);
    const text = await ctlake(['verify', dir, '--public-keys', keysFile]);
    expect(text.stdout).toContain('2 digest files MISSING in 1 ranges');
  });

  it('reports a chain restart (logging stopped) as a gap, not an error', async () => {
    const dir = copy();
    const chain = mainChain(dir);
    const at = chain.indexOf(busyDigest(dir).key);
    // Logging stopped for two hours: no digests and no log files, then a new chain begins.
    for (const key of [chain[at], chain[at + 1]]) {
      for (const log of digestOf(dir, key ?? '').logFiles) rmSync(path.join(dir, log.s3Object));
      unlinkSync(path.join(dir, key ?? ''));
      unlinkSync(path.join(dir, `${key ?? ''}.metadata.json`));
    }
    const before = digestOf(dir, chain[at - 1] ?? '');
    const restartKey = chain[at + 2] ?? '';
    await rewriteDigest(dir, restartKey, (d) => {
      for (const field of [
        'previousDigestS3Bucket',
        'previousDigestS3Object',
        'previousDigestHashValue',
        'previousDigestHashAlgorithm',
        'previousDigestSignature',
      ])
        d[field] = null;
    });
    // The digests after the restart name it as it now is.
    for (let i = at + 3; i < chain.length; i++) {
      const previous = chain[i - 1] ?? '';
      const content = gunzipSync(readFileSync(path.join(dir, previous)));
      const signature = await digestSignatureOf(dir, previous);
      await rewriteDigest(dir, chain[i] ?? '', (d) => {
        d['previousDigestHashValue'] = createHash('sha256').update(content).digest('hex');
        d['previousDigestSignature'] = signature;
      });
    }
    const restart = digestOf(dir, restartKey);
    const { code, report } = await verifyJson([dir, '--public-keys', keysFile]);
    expect(report.gaps).toEqual([
      expect.objectContaining({
        account: MAIN_ACCOUNT,
        region: 'us-east-1',
        from: before['digestEndTime'],
        to: restart['digestStartTime'],
      }),
    ]);
    expect(report.digests.missing).toEqual([]);
    expect(report.digests.invalid).toEqual([]);
    expect(code).toBe(0);
  });

  it('refuses digests signed by a key the keys file lacks, or outside its validity', async () => {
    const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as {
      PublicKeyList: { Fingerprint: string; ValidityStartTime: string; ValidityEndTime: string }[];
    };
    const other = path.join(root, 'other-keys.json');
    const entry = keys.PublicKeyList[0];
    if (!entry) throw new Error('no key');
    writeFileSync(
      other,
      JSON.stringify({ PublicKeyList: [{ ...entry, Fingerprint: '0'.repeat(32) }] }),
    );
    const missingKey = await verifyJson([genuine, '--public-keys', other]);
    expect(missingKey.code).toBe(1);
    expect(missingKey.report.digests.valid).toBe(0);
    expect(new Set(missingKey.report.digests.invalid.map((p) => p.reason))).toEqual(
      new Set([`public key ${entry.Fingerprint} is not in the --public-keys files`]),
    );
    const expired = path.join(root, 'expired-keys.json');
    writeFileSync(
      expired,
      JSON.stringify({
        PublicKeyList: [
          {
            ...entry,
            ValidityStartTime: '2020-01-01T00:00:00+00:00',
            ValidityEndTime: '2020-02-01T00:00:00+00:00',
          },
        ],
      }),
    );
    const outside = await verifyJson([genuine, '--public-keys', expired]);
    expect(outside.report.digests.valid).toBe(0);
    expect(outside.report.digests.invalid[0]?.reason).toMatch(
      /^public key [0-9a-f]+ is valid 2020-01-01T00:00:00.000Z to 2020-02-01T00:00:00.000Z, not at 2026-/,
    );
  });
});

describe('ctlake verify: backfill digests', () => {
  it('checks a backfill digest on its own, against the key valid when it was generated', async () => {
    const dir = copy();
    const { key, logs } = busyDigest(dir);
    const backfillKey = key.replace(/\.json\.gz$/, '_backfill.json.gz');
    cpSync(path.join(dir, key), path.join(dir, backfillKey));
    cpSync(path.join(dir, `${key}.metadata.json`), path.join(dir, `${backfillKey}.metadata.json`));
    await rewriteDigest(dir, backfillKey, (d) => {
      d['digestS3Object'] = backfillKey;
      for (const field of [
        'previousDigestS3Bucket',
        'previousDigestS3Object',
        'previousDigestHashValue',
        'previousDigestHashAlgorithm',
        'previousDigestSignature',
      ])
        d[field] = null;
    });
    const generatedAt = '2026-06-10T12:00:00Z';
    const sidecar = path.join(dir, `${backfillKey}.metadata.json`);
    const head = JSON.parse(readFileSync(sidecar, 'utf8')) as { Metadata: Record<string, string> };
    head.Metadata['backfill-generation-timestamp'] = generatedAt;
    writeFileSync(sidecar, JSON.stringify(head));

    const all = await verifyJson([dir, '--public-keys', keysFile]);
    expect(all.report.digests).toEqual({
      valid: manifest.digestFiles + 1,
      invalid: [],
      missing: [],
    });
    expect(all.report.gaps).toEqual([]);
    expect(all.code).toBe(0);

    // A key valid only around the backfill's generation: the backfill digest holds, the others not.
    const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as {
      PublicKeyList: Record<string, string>[];
    };
    const late = path.join(root, 'late-keys.json');
    writeFileSync(
      late,
      JSON.stringify({
        PublicKeyList: keys.PublicKeyList.map((k) => ({
          ...k,
          ValidityStartTime: '2026-06-10T11:00:00+00:00',
          ValidityEndTime: '2026-06-10T13:00:00+00:00',
        })),
      }),
    );
    const lateRun = await verifyJson([dir, '--public-keys', late]);
    expect(lateRun.report.digests.valid).toBe(1);
    expect(lateRun.report.digests.invalid.map((p) => p.key)).not.toContain(
      path.join(dir, backfillKey),
    );
    expect(lateRun.report.logFiles.valid).toBe(logs.length);
  });
});

describe('ctlake verify --lake: the lake is verifiable too', () => {
  it('records each object verdict, and finds a deleted, a changed and a stray part', async () => {
    const dir = copy();
    const lake = path.join(root, 'lake');
    const { logs } = busyDigest(dir);
    const changed = path.join(dir, logs[0] ?? '');
    const json = gunzipSync(readFileSync(changed))
      .toString('utf8')
      .replace('"us-east-1"', '"us-east-2"');
    writeFileSync(changed, gzipSync(json));
    expect((await ctlake(['ingest', dir, '--lake', lake, '--quiet'])).code).toBe(0);

    const first = await verifyJson([dir, '--public-keys', keysFile, '--lake', lake]);
    expect(first.code).toBe(1);
    expect(first.report.lake?.parts.changed).toEqual([]);
    expect(first.report.lake?.objects.affected).toEqual([]);
    const statuses = await queryRows(
      lake,
      `SELECT verification, count(*) AS n, count(sha256) AS hashed FROM cloudtrail_objects GROUP BY ALL ORDER BY 1`,
    );
    expect(statuses).toEqual([
      { verification: 'invalid', n: 1, hashed: 1 },
      { verification: 'valid', n: totalLogFiles() - 1, hashed: totalLogFiles() - 1 },
    ]);
    const [tainted] = await queryRows(
      lake,
      `SELECT count(*) AS n FROM cloudtrail c JOIN cloudtrail_objects o ON o.uri = c."sourceObject" WHERE o.verification = 'invalid'`,
    );
    expect(Number(tainted?.['n'])).toBeGreaterThan(0);

    // Now damage the lake itself.
    const events = path.join(lake, 'events');
    const parts = readdirSync(events, { recursive: true })
      .map(String)
      .filter((p) => p.endsWith('.parquet'))
      .sort();
    const [deleted, edited] = parts;
    if (!deleted || !edited) throw new Error('want two parts');
    const before = new Map(
      (
        await queryRows(
          lake,
          `SELECT "sourceObject" AS uri, count(*) AS n FROM cloudtrail GROUP BY ALL`,
        )
      ).map((r) => [String(r['uri']), Number(r['n'])]),
    );
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const inPart = async (part: string): Promise<Map<string, number>> => {
      const reader = await connection.runAndReadAll(
        `SELECT "sourceObject" AS uri, count(*) AS n FROM read_parquet('${path.join(events, part)}') GROUP BY ALL`,
      );
      return new Map(reader.getRowObjectsJS().map((r) => [r['uri'] as string, Number(r['n'])]));
    };
    const lost = new Map<string, number>();
    for (const part of [deleted, edited]) {
      for (const [uri, n] of await inPart(part)) lost.set(uri, (lost.get(uri) ?? 0) + n);
    }
    connection.closeSync();
    instance.closeSync();
    unlinkSync(path.join(events, deleted));
    writeFileSync(
      path.join(events, edited),
      Buffer.concat([readFileSync(path.join(events, edited)), Buffer.from('x')]),
    );
    cpSync(
      path.join(events, parts[2] ?? edited),
      path.join(events, path.dirname(edited), 'stray.parquet'),
    );

    const second = await verifyJson(['--lake', lake]);
    expect(second.code).toBe(1);
    expect(second.report.lake?.parts.missing).toEqual([deleted]);
    expect(second.report.lake?.parts.changed.map((p) => p.part)).toEqual([edited]);
    expect(second.report.lake?.parts.stray).toEqual([
      path.join(path.dirname(edited), 'stray.parquet'),
    ]);
    expect(second.report.lake?.objects.affected).toEqual(
      [...lost]
        .map(([uri, n]) => ({
          uri,
          events: before.get(uri) ?? 0,
          rowsPresent: (before.get(uri) ?? 0) - n,
        }))
        .sort((a, b) => (a.uri < b.uri ? -1 : 1)),
    );
  });
});
