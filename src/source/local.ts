/**
 * Local sources: a file, a directory (searched recursively) or a glob. Directories yield
 * `*.json` and `*.json.gz` files; a file named explicitly is read whatever its name, since its
 * content decides how it is decoded.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { UsageError } from '../errors.js';
import { parseTrailKey } from './trail-key.js';
import type { TrailObject } from './trail-object.js';
import type { TrailSource } from './trail-source.js';

const LOG_FILE_PATTERNS = ['**/*.json', '**/*.json.gz'];

function toObject(absolutePath: string, size: number, mtimeMs: number): TrailObject {
  return {
    uri: absolutePath,
    location: { kind: 'file', path: absolutePath },
    size,
    version: `${Math.trunc(mtimeMs)}:${size}`,
    key: parseTrailKey(absolutePath),
  };
}

export class LocalSource implements TrailSource {
  readonly description: string;
  readonly #spec: string;

  constructor(spec: string) {
    this.#spec = spec;
    this.description = spec;
  }

  async *list(signal?: AbortSignal): AsyncIterable<TrailObject> {
    const absolute = path.resolve(this.#spec);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isFile()) {
      yield toObject(absolute, info.size, info.mtimeMs);
      return;
    }
    const globbing = !info && fg.isDynamicPattern(this.#spec);
    if (!info && !globbing) throw new UsageError(`no such file or directory: ${this.#spec}`);
    const entries = await fg(globbing ? [this.#spec] : LOG_FILE_PATTERNS, {
      cwd: globbing ? process.cwd() : absolute,
      absolute: true,
      onlyFiles: true,
      stats: true,
      dot: false,
      followSymbolicLinks: true,
      suppressErrors: false,
    }).catch((error: unknown) => {
      throw new UsageError(`cannot read ${this.#spec}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    if (globbing && entries.length === 0) throw new UsageError(`no files match ${this.#spec}`);
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const entry of entries) {
      signal?.throwIfAborted();
      const s = entry.stats;
      if (!s) continue;
      yield toObject(path.resolve(entry.path), s.size, s.mtimeMs);
    }
  }
}
