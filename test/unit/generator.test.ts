import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { parseTrailKey } from '../../src/source/trail-key.js';
import { tempDir } from '../util/cli.js';

const options = { events: 3000, seed: 5, end: new Date('2026-03-01T00:00:00Z'), days: 2 };

function snapshot(dir: string): Map<string, string> {
  const files = fg.sync('**/*', { cwd: dir }).sort();
  return new Map(files.map((f) => [f, readFileSync(path.join(dir, f)).toString('base64')]));
}

describe('generateArchive', () => {
  it('writes the same bytes for the same seed and different ones for another seed', async () => {
    const [a, b, c] = [tempDir('gen'), tempDir('gen'), tempDir('gen')];
    const ma = await generateArchive({ ...options, outDir: a });
    const mb = await generateArchive({ ...options, outDir: b });
    await generateArchive({ ...options, seed: 6, outDir: c });
    expect(mb).toEqual(ma);
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(snapshot(c)).not.toEqual(snapshot(a));
  });

  it("lays files out in CloudTrail's S3 key scheme, with the requested event count", async () => {
    const dir = tempDir('gen');
    const manifest = await generateArchive({ ...options, outDir: dir });
    const files = fg.sync('**/*.json.gz', { cwd: dir });
    const kinds = files.map((f) => parseTrailKey(f));
    expect(
      kinds.every((k) => k.account !== undefined && k.region !== undefined && k.day !== undefined),
    ).toBe(true);
    expect(kinds.filter((k) => k.kind === 'digest')).toHaveLength(manifest.digestFiles);
    // Beside each digest, its S3 metadata (the signature) as `aws s3api head-object` prints it;
    // nothing else is written.
    const sidecars = fg.sync('**/*.json.gz.metadata.json', { cwd: dir });
    expect(sidecars.every((f) => parseTrailKey(f).kind === 'digest')).toBe(true);
    expect(sidecars.map((f) => f.replace(/\.metadata\.json$/, '')).sort()).toEqual(
      files.filter((f) => parseTrailKey(f).kind === 'digest').sort(),
    );
    expect(fg.sync('**/*', { cwd: dir })).toHaveLength(files.length + sidecars.length);
    expect(kinds.filter((k) => k.kind === 'insight')).toHaveLength(manifest.insightFiles);
    expect(files.some((f) => f.startsWith('AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/'))).toBe(
      true,
    );
    for (const f of files.filter((x) => parseTrailKey(x).kind === 'log')) {
      expect(path.basename(f)).toMatch(
        /^\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/,
      );
    }
    let events = 0;
    for (const f of files.filter((x) => parseTrailKey(x).kind === 'log')) {
      events += (
        JSON.parse(gunzipSync(readFileSync(path.join(dir, f))).toString()) as { Records: unknown[] }
      ).Records.length;
    }
    expect(events).toBe(options.events);
    expect(manifest.events).toBe(options.events);
  });

  it('plants the GenAI audit story and tells where', async () => {
    const manifest = await generateArchive({ ...options, outDir: tempDir('gen') });
    const names = new Set(manifest.planted.map((p) => p.eventName));
    for (const name of [
      'BatchDeleteDocument',
      'StartDataSourceSyncJob',
      'StartCodeAnalysis',
      'InvokeAgent',
      'RetrieveAndGenerate',
      'StopTrainingJob',
      'DeleteModel',
      'UpdateNotebookInstance',
      'CreateTrainingJob',
      'CreateEndpoint',
      'DeleteModelInvocationLoggingConfiguration',
      'GetFoundationModelAvailability',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
    const sources = new Set(Object.keys(manifest.counts).map((k) => k.split(' ')[0]));
    for (const s of [
      'bedrock.amazonaws.com',
      'sagemaker.amazonaws.com',
      'qbusiness.amazonaws.com',
      'codewhisperer.amazonaws.com',
      's3.amazonaws.com',
      'ec2.amazonaws.com',
    ]) {
      expect(sources.has(s), s).toBe(true);
    }
  });
});
