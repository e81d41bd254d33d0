/**
 * Local sources: a file, a directory (searched recursively) or a glob. Directories yield
 * `*.json`, `*.jsonl` and `*.ndjson` files, gzipped or not, and CloudWatch Logs' export objects
 * (`000000.gz`, …); a file named explicitly is read whatever its name, since its content decides
 * how it is decoded.
 *
 * Symbolic links to files are followed; links to directories are not (each is reported), so a
 * link back up the tree cannot list files twice or forever. A folder that cannot be read is
 * reported and the rest of the source is listed.
 */
import fs from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { UsageError, errnoReason } from '../errors.js';
import { parseTrailKey } from './trail-key.js';
import type { TrailObject } from './trail-object.js';
import type { ListingProblem, TrailSource } from './trail-source.js';

const LOG_FILE_PATTERNS = [
  '**/*.{json,jsonl,ndjson}',
  '**/*.{json,jsonl,ndjson}.gz',
  '**/+([0-9]).gz',
];

/** The file at `absolutePath`, named in its archive by its path under `root` (`/`-separated). */
function toObject(absolutePath: string, root: string, size: number, mtimeMs: number): TrailObject {
  return {
    uri: absolutePath,
    location: { kind: 'file', path: absolutePath },
    size,
    version: `${Math.trunc(mtimeMs)}:${size}`,
    key: parseTrailKey(absolutePath),
    archiveKey: path.relative(root, absolutePath).split(path.sep).join('/'),
  };
}

type Callback<T> = (error: NodeJS.ErrnoException | null, value?: T) => void;

/**
 * The file system as fast-glob sees it: `stat` of a link to a directory fails (the walk then
 * keeps the link as a link: neither entered nor listed), and a folder that cannot be read lists
 * as empty, each reported to `onProblem`.
 */
function listingFileSystem(onProblem: (problem: ListingProblem) => void): {
  stat: typeof fs.stat;
  readdir: typeof fs.readdir;
} {
  const stat = (file: string, callback: Callback<fs.Stats>): void => {
    fs.stat(file, (error, stats) => {
      if (error === null && stats.isDirectory()) {
        onProblem({
          kind: 'not-followed',
          place: file,
          reason: 'a symbolic link to a directory, not followed (give its target as a source)',
        });
        callback(Object.assign(new Error('directory link not followed'), { code: 'ELOOP' }));
        return;
      }
      callback(error, stats);
    });
  };
  const readdir = (dir: string, ...rest: unknown[]): void => {
    const callback = rest.pop() as Callback<unknown[]>;
    const options = rest[0] as fs.ObjectEncodingOptions & { withFileTypes: true };
    fs.readdir(dir, options, (error, entries) => {
      if (error !== null) {
        onProblem({ kind: 'unreadable', place: dir, reason: `cannot list: ${errnoReason(error)}` });
        callback(null, []);
        return;
      }
      callback(null, entries);
    });
  };
  return { stat: stat as typeof fs.stat, readdir: readdir as typeof fs.readdir };
}

/**
 * The directory a glob pattern starts from: its part before the first wildcard (fast-glob's
 * tasks; braces expand to one per alternative, so their common folder).
 */
function globBase(pattern: string): string {
  const bases = fg.generateTasks([pattern]).map((task) => task.base.split('/'));
  const first = bases[0] ?? ['.'];
  let common = first.length;
  for (const base of bases) {
    let i = 0;
    while (i < common && base[i] === first[i]) i++;
    common = i;
  }
  // `/{a,b}/x` has `/` in common: its first (empty) segment.
  return common === 0 ? '.' : first.slice(0, common).join('/') || '/';
}

export class LocalSource implements TrailSource {
  readonly description: string;
  readonly #spec: string;

  constructor(spec: string) {
    this.#spec = spec;
    this.description = spec;
  }

  async *list(
    signal?: AbortSignal,
    onProblem: (problem: ListingProblem) => void = () => undefined,
  ): AsyncIterable<TrailObject> {
    const absolute = path.resolve(this.#spec);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isFile()) {
      yield toObject(absolute, path.dirname(absolute), info.size, info.mtimeMs);
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
      fs: listingFileSystem(onProblem),
    }).catch((error: unknown) => {
      throw new UsageError(`cannot read ${this.#spec}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    if (globbing && entries.length === 0) throw new UsageError(`no files match ${this.#spec}`);
    // A glob's files are named from its fixed part on (`archive/` of `archive/**/*.json.gz`), as a
    // directory's are from the directory.
    const root = globbing ? path.resolve(globBase(this.#spec)) : absolute;
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const entry of entries) {
      signal?.throwIfAborted();
      const s = entry.stats;
      if (!s) continue;
      yield toObject(path.resolve(entry.path), root, s.size, s.mtimeMs);
    }
  }
}
