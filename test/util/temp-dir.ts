/**
 * Temporary directories for tests, removed when the test file ends (temp-dir.setup.ts): a full
 * `npm test` writes about 2 GB of archives and lakes, which used to stay in the system temp
 * directory run after run. `CTLAKE_KEEP_TEST_DIRS=1` keeps them to look at a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ctlake-${prefix}-`));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  if (process.env['CTLAKE_KEEP_TEST_DIRS'] === '1') return;
  for (const dir of created.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      // A child process a failed test left running may still write there: say so, do not hide
      // the test's own failure behind this one.
      process.stderr.write(`could not remove ${dir}: ${String(error)}\n`);
    }
  }
}
