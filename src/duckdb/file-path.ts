/**
 * Paths handed to DuckDB's file readers (read_parquet, read_csv, parquet_metadata). DuckDB reads
 * every such path as a glob pattern, even one naming a single file: a lake at
 * `/cases/Incident [2024]` would match `/cases/Incident 2` instead (or nothing), and one under a
 * folder named `*` would match its siblings too. Each glob character is escaped as a one-character
 * class (`[[]`, `[*]`, `[?]`), which DuckDB's glob matches literally.
 */
import { UsageError } from '../errors.js';
import { quotedString } from './sql-text.js';

const GLOB_CHARACTER = /[[*?]/;
const GLOB_CHARACTERS = /[[*?]/g;

/**
 * The glob pattern that matches exactly `path`. DuckDB's globbing has no escape for a backslash
 * (it fails to match one), so a path holding both is refused with a reason rather than misread.
 */
export function literalGlob(path: string): string {
  if (!GLOB_CHARACTER.test(path)) return path;
  if (path.includes('\\')) {
    throw new UsageError(
      `${path}: DuckDB cannot read a path holding both a backslash and one of [ * ? — rename the folder`,
    );
  }
  return path.replace(GLOB_CHARACTERS, (c) => `[${c}]`);
}

/** SQL string literal of `path` for a DuckDB file reader: it reads that file and only that one. */
export function readerPath(path: string): string {
  return quotedString(literalGlob(path));
}

/** SQL list literal of several files for one reader. */
export function readerPaths(paths: readonly string[]): string {
  return `[${paths.map(readerPath).join(', ')}]`;
}
