/**
 * What the benchmarks share: the generated benchmark archive, timing a whole `ctlake` process, the
 * median, the machine line, and replacing a benchmark's block of bench/RESULTS.md between its
 * markers.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ArchiveManifest,
  type ArchiveShape,
  generateArchive,
} from '../fixtures/generator/archive.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = path.join(REPO, 'bench');
export const OUT_DIR = path.join(BENCH_DIR, 'out');

export const MACHINE = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${String(os.availableParallelism())} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;

export function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** The benchmark archives' seed and last day: every benchmark reads the same archives. */
export const BENCH_SEED = 42;
export const BENCH_END = new Date('2026-11-23T00:00:00Z');

/**
 * The generated benchmark archive of `events` events (`shape`, over `days` days) under bench/out,
 * generated on first use and then reused by every benchmark.
 */
export async function benchmarkArchive(
  events: number,
  shape: ArchiveShape = 'mixed',
  days = 7,
): Promise<{ dir: string; manifest: ArchiveManifest }> {
  const name = shape === 'mixed' ? `archive-${events}` : `archive-${shape}-${events}-d${days}`;
  const dir = path.join(OUT_DIR, `${name}-seed${BENCH_SEED}`);
  const manifestFile = `${dir}.manifest.json`;
  if (existsSync(manifestFile))
    return { dir, manifest: JSON.parse(readFileSync(manifestFile, 'utf8')) as ArchiveManifest };
  mkdirSync(OUT_DIR, { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  log(`generating ${events} events (${shape}) into ${path.relative(REPO, dir)} …`);
  const manifest = await generateArchive({
    outDir: dir,
    events,
    seed: BENCH_SEED,
    end: BENCH_END,
    days,
    shape,
  });
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  return { dir, manifest };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export interface Run {
  readonly seconds: number;
  readonly rssMb: number;
  /** The last line the command wrote on stderr (its summary). */
  readonly summary: string;
}

/**
 * Runs `ctlake args` (this checkout's, or the one at `checkout`), output discarded, and times the
 * whole process; other exit codes reject.
 */
export function ctlakeRun(
  args: readonly string[],
  okCodes: readonly number[] = [0],
  checkout: string = REPO,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(checkout, 'bin', 'ctlake.js'), ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === null || !okCodes.includes(code)) {
        reject(new Error(`ctlake ${args.join(' ')} exited ${String(code)}: ${stderr}`));
        return;
      }
      const rss = /peak RSS (\d+) MB/.exec(stderr);
      resolve({
        seconds: (performance.now() - started) / 1000,
        rssMb: Number(rss?.[1] ?? NaN),
        summary: stderr.trim().split('\n').at(-1) ?? '',
      });
    });
  });
}

/** Writes `table` to bench/<file> and between `<!-- name -->` markers of bench/RESULTS.md. */
export function publishTable(name: string, file: string, table: string): void {
  writeFileSync(path.join(BENCH_DIR, file), `${table}\n`);
  const begin = `<!-- ${name} -->`;
  const end = `<!-- /${name} -->`;
  const results = path.join(BENCH_DIR, 'RESULTS.md');
  const block = `${begin}\n${table}\n${end}`;
  const text = readFileSync(results, 'utf8');
  const at = text.indexOf(begin);
  writeFileSync(
    results,
    at >= 0
      ? text.slice(0, at) + block + text.slice(text.indexOf(end) + end.length)
      : text.replace('\n## Query latency', `\n${block}\n\n## Query latency`),
  );
}
