import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { defaultScratchBase } from '../../src/ingest/scratch-root.js';
import { ctlake, finished, startCli, tempDir } from '../util/cli.js';
import { catalogEvents, fingerprint, type LakeFingerprint } from '../util/lake-fingerprint.js';

function hasParts(lake: string): boolean {
  const events = path.join(lake, 'events');
  return (
    existsSync(events) &&
    readdirSync(events, { recursive: true }).some((f) => String(f).endsWith('.parquet'))
  );
}

/** The scratch directories an ingest process made. */
function scratchDirsOf(pid: number): string[] {
  const base = defaultScratchBase();
  return readdirSync(base).filter((name) => name.startsWith(`ctlake-${String(pid)}-`));
}

/** Waits until the running ingest has committed its first part. */
async function firstCommit(lake: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!hasParts(lake)) {
    if (Date.now() - started > timeoutMs) throw new Error('ingest committed nothing in time');
    await sleep(20);
  }
}

describe('interrupted ingest: the lake stays consistent and a re-run completes it exactly', () => {
  const dir = tempDir('interrupt');
  const archive = path.join(dir, 'archive');
  let reference: LakeFingerprint;

  beforeAll(async () => {
    await generateArchive({
      outDir: archive,
      events: 150_000,
      seed: 11,
      end: new Date('2026-06-01T00:00:00Z'),
      days: 2,
    });
    const lake = path.join(dir, 'reference');
    const clean = await ctlake(['ingest', archive, '--lake', lake]);
    expect(clean.code).toBe(0);
    reference = await fingerprint(lake);
    expect(reference.rows).toBeGreaterThan(150_000);
    expect(reference.keys).toBe(reference.rows);
  }, 300_000);

  it('kill -9 during ingest, then ingest again: exactly the rows of an uninterrupted run', async () => {
    const lake = path.join(dir, 'killed');
    const child = startCli(['ingest', archive, '--lake', lake, '--workers', '1']);
    const done = finished(child);
    await firstCommit(lake);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = await fingerprint(lake);
    expect(partial.rows).toBeLessThan(reference.rows);
    expect(partial.keys).toBe(partial.rows);
    // A killed process cannot remove its scratch files (on tmpfs they hold memory): the next
    // ingest does.
    const leftScratch = scratchDirsOf(child.pid ?? 0);
    expect(leftScratch).toHaveLength(1);

    const rerun = await ctlake(['ingest', archive, '--lake', lake]);
    expect(rerun.code).toBe(0);
    expect(await fingerprint(lake)).toEqual(reference);
    expect(scratchDirsOf(child.pid ?? 0)).toEqual([]);
  });

  it('Ctrl-C stops within seconds with status 130, no native abort, and a re-run completes', async () => {
    const lake = path.join(dir, 'interrupted');
    const child = startCli(['ingest', archive, '--lake', lake, '--workers', '2']);
    const done = finished(child);
    await firstCommit(lake);
    const sent = Date.now();
    child.kill('SIGINT');
    const stopped = await done;
    const seconds = (Date.now() - sent) / 1000;
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(130);
    expect(seconds).toBeLessThan(10);
    expect(stopped.stderr).toContain('ingest interrupted');
    expect(stopped.stderr).not.toMatch(/Abort|core dumped|^\s+at /m);

    const partial = await fingerprint(lake);
    expect(partial.rows).toBeLessThan(reference.rows);
    expect(partial.keys).toBe(partial.rows);
    expect(await catalogEvents(lake)).toBe(partial.rows);

    const rerun = await ctlake(['ingest', archive, '--lake', lake]);
    expect(rerun.code).toBe(0);
    expect(await fingerprint(lake)).toEqual(reference);
  });

  it('a second Ctrl-C ends the process at once, without a native abort, and a re-run completes', async () => {
    const lake = path.join(dir, 'interrupted-twice');
    const child = startCli(['ingest', archive, '--lake', lake, '--workers', '2']);
    const done = finished(child);
    await firstCommit(lake);
    child.kill('SIGINT');
    await sleep(50);
    child.kill('SIGINT');
    const stopped = await done;
    // Ended by the signal's default action, which a shell reports as status 130.
    expect(stopped.signal).toBe('SIGINT');
    expect(stopped.stderr).toContain('ctlake: interrupted again, exiting now');
    expect(stopped.stderr).not.toMatch(/Abort|terminate called|core dumped|^\s+at /m);

    const rerun = await ctlake(['ingest', archive, '--lake', lake]);
    expect(rerun.code).toBe(0);
    expect(await fingerprint(lake)).toEqual(reference);
  });
});
