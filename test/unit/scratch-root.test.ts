import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeScratchRoot, orphanedScratchDirs } from '../../src/ingest/scratch-root.js';
import { tempDir } from '../util/cli.js';

/** The id of a process that has exited (ids are not reused this soon). */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

function makeDir(base: string, name: string): string {
  const dir = path.join(base, name, 't0');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'records.scratch'), 'x');
  return path.join(base, name);
}

describe('scratch root', () => {
  it("removes the directories of ctlake processes that no longer run, and no one else's", async () => {
    const base = tempDir('scratch-base');
    const dead = makeDir(base, `ctlake-${String(exitedPid())}-AbC123`);
    const mine = makeDir(base, `ctlake-${String(process.pid)}-xYz789`);
    const parent = makeDir(base, `ctlake-${String(process.ppid)}-q1w2e3`);
    const olderVersion = makeDir(base, 'ctlake-Qw3rTy');
    const unrelated = makeDir(base, 'other-123-abc');

    expect(await orphanedScratchDirs(base)).toEqual([dead]);
    const root = await makeScratchRoot(base);

    expect(existsSync(dead)).toBe(false);
    for (const kept of [mine, parent, olderVersion, unrelated, root]) {
      expect(existsSync(kept)).toBe(true);
    }
    expect(path.basename(root)).toMatch(new RegExp(`^ctlake-${String(process.pid)}-[^-]+$`));
    expect(readdirSync(base)).toHaveLength(5);
  });

  it('finds nothing in a directory that does not exist', async () => {
    expect(await orphanedScratchDirs(path.join(tempDir('scratch-none'), 'missing'))).toEqual([]);
  });
});
