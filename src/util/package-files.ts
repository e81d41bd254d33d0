/**
 * Files shipped beside the code (`sql/`), found from this module's location whether it runs
 * from `dist/` or from the TypeScript sources under test.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'sql'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('ctlake installation is incomplete: sql/ not found');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();

export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}

export function readPackageFile(...parts: string[]): string {
  return readFileSync(packagePath(...parts), 'utf8');
}

/** ctlake's version, from its package.json. */
export function packageVersion(): string {
  const manifest = JSON.parse(readPackageFile('package.json')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
