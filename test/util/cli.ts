/**
 * Drives the built CLI (`bin/ctlake.js` → `dist/`) as a user would: a child process, its exit
 * status, stdout and stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query } from '../../src/query/run-query.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'bin', 'ctlake.js');
/** Real events whose licences allow them in the repository (fixtures/real/SOURCES.md). */
export const VENDORED_REAL_CORPUS = path.join(REPO_ROOT, 'fixtures', 'real');
/** AWS's CloudTrail Lake sample queries, MIT-0 (fixtures/lake-queries/SOURCES.md). */
export const LAKE_QUERY_SAMPLES = path.join(REPO_ROOT, 'fixtures', 'lake-queries');
/** The project's full corpus, beside the repository in CI; a user's clone has none. */
export const SHARED_DIR = path.resolve(REPO_ROOT, '..', 'shared');
export const REAL_CORPUS = path.join(SHARED_DIR, 'corpus', 'real');
export const HAS_SHARED = existsSync(REAL_CORPUS);
/** The one-line reason tests needing ../shared give when it is absent (a user's clone). */
export const NO_SHARED_REASON = `../shared/corpus not found beside the repository (${SHARED_DIR}): the 56 real events whose licences keep them out of fixtures/real are not tested; CI provides them`;

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** A command that runs the CLI (its arguments follow), e.g. one that drops privileges. */
  readonly wrapper?: readonly string[];
}

export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error(
      'dist/ is missing: run `npm run build` (npm test does) before the end-to-end tests',
    );
  }
  const [command = process.execPath, ...prefix] = options.wrapper ?? [];
  const node = options.wrapper === undefined ? [] : [process.execPath];
  return spawn(command, [...prefix, ...node, CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function ctlake(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return finished(startCli(args, options));
}

/**
 * Runs a query through the library (in this process: what is tested is the query's answer, not
 * the command line, which its own tests drive) and returns its rows as `--format json` prints
 * them.
 */
export async function queryRows(lake: string, sql: string): Promise<Record<string, unknown>[]> {
  const { rows } = await query({ lakeDir: lake, source: { kind: 'text', sql } });
  return JSON.parse(JSON.stringify(rows)) as Record<string, unknown>[];
}

export { tempDir } from './temp-dir.js';
