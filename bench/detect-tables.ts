/**
 * The detection benchmark's tables (`npm run bench:detect`, one file per lake size), smallest lake
 * first, for the block of bench/RESULTS.md that sits beside the ingest figures.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export function detectTables(benchDir: string): string {
  return readdirSync(benchDir)
    .map((f) => /^RESULTS-detect-(\d+)\.md$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => readFileSync(path.join(benchDir, m[0]), 'utf8').trim())
    .join('\n\n');
}

export const DETECT_BEGIN = '<!-- detect-bench -->';
export const DETECT_END = '<!-- /detect-bench -->';
