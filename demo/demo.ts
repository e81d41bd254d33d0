/**
 * `npm run demo`: writes a seeded demo archive in CloudTrail's S3 layout (its GenAI audit story
 * happened in the last day), ingests it with the ctlake CLI and answers an audit question.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateArchive } from '../fixtures/generator/archive.js';
import { shellWord } from '../src/text/shell-word.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const archive = path.join(repo, 'demo-archive');
const manifestFile = path.join(repo, 'demo-archive.manifest.json');
const lake = path.join(repo, 'demo-lake');
const EVENTS = 50_000;
const STALE_MS = 6 * 3600_000;

function run(args: string[]): void {
  // Printed as a person would type it, to copy.
  process.stderr.write(`\n$ ctlake ${args.map(shellWord).join(' ')}\n`);
  const result = spawnSync(process.execPath, [path.join(repo, 'bin', 'ctlake.js'), ...args], {
    stdio: 'inherit',
    cwd: repo,
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function archiveEnd(): number {
  if (!existsSync(manifestFile)) return 0;
  return Date.parse((JSON.parse(readFileSync(manifestFile, 'utf8')) as { end: string }).end);
}

// The demo questions ask about the last day, so an archive generated long ago is made afresh.
if (!existsSync(archive) || Date.now() - archiveEnd() > STALE_MS) {
  rmSync(archive, { recursive: true, force: true });
  rmSync(lake, { recursive: true, force: true });
  process.stderr.write(
    `generating a demo archive of ${EVENTS} events in ${path.relative(repo, archive)}/ …\n`,
  );
  const manifest = await generateArchive({
    outDir: archive,
    events: EVENTS,
    seed: 2024,
    end: new Date(),
    days: 3,
  });
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
}

run(['ingest', 'demo-archive', '--lake', 'demo-lake']);
run([
  'query',
  '--lake',
  'demo-lake',
  '--file',
  path.relative(repo, path.join(repo, 'demo', 'qbusiness-calls-last-day.sql')),
]);
run([
  'query',
  '--lake',
  'demo-lake',
  '--file',
  path.relative(repo, path.join(repo, 'demo', 'who-deleted-documents.sql')),
]);
// The compliance reviewer's view of the same lake: one self-contained page.
run([
  'report',
  '--lake',
  'demo-lake',
  '--out',
  'demo-report.html',
  '--title',
  'ctlake demo audit report',
]);
process.stderr.write(
  `\nopen ${path.join(repo, 'demo-report.html')} in a browser: the audit report of the demo lake\n`,
);
