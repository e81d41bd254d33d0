/**
 * ctlake as a dependency: a Node script in a project of its own imports the package by name
 * (`import { ingest, query } from 'ctlake'`, resolved through package.json's "exports"), and a
 * TypeScript file type-checks against the published declarations.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { REPO_ROOT, tempDir } from '../util/cli.js';

/** A count with a `${name}` parameter, bound by the library. */
const COUNT_SQL =
  'SELECT count(*) AS n, min("eventTime") AS first FROM cloudtrail WHERE coalesce("eventSource", \'\') <> ${skip}';

describe('ctlake imported as a library', () => {
  const project = tempDir('library');
  const archive = path.join(project, 'archive');
  let events = 0;

  beforeAll(async () => {
    const manifest = await generateArchive({
      outDir: archive,
      events: 800,
      seed: 13,
      end: new Date('2026-06-01T00:00:00Z'),
      days: 1,
    });
    events = manifest.events + manifest.insightEvents;
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(REPO_ROOT, path.join(project, 'node_modules', 'ctlake'));
    writeFileSync(path.join(project, 'package.json'), '{"type":"module"}');
  }, 60_000);

  it('ingests and queries from a Node script, with typed results and errors', () => {
    writeFileSync(
      path.join(project, 'audit.mjs'),
      `import { CtlakeError, ingest, query } from 'ctlake';
const summary = await ingest({ sources: [${JSON.stringify(archive)}], lakeDir: 'lake', workers: 1 });
const { columns, rows } = await query({
  lakeDir: 'lake',
  source: { kind: 'text', sql: ${JSON.stringify(COUNT_SQL)} },
  params: { skip: 'none' },
});
let refused = '';
try {
  await query({ lakeDir: 'lake', source: { kind: 'text', sql: "COPY cloudtrail TO '/tmp/x.csv'" } });
} catch (error) {
  refused = error instanceof CtlakeError ? error.code : 'not a CtlakeError';
}
console.log(JSON.stringify({ events: summary.events, errors: summary.errors, columns, rows, refused }));
`,
    );
    const out = execFileSync(process.execPath, ['audit.mjs'], { cwd: project, encoding: 'utf8' });
    const result = JSON.parse(out) as {
      events: number;
      errors: number;
      columns: string[];
      rows: { n: number; first: string }[];
      refused: string;
    };
    expect(result.events).toBe(events);
    expect(result.errors).toBe(0);
    expect(result.columns).toEqual(['n', 'first']);
    expect(result.rows[0]?.n).toBe(events);
    expect(result.rows[0]?.first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(result.refused).toBe('QUERY_REFUSED');
  });

  it('type-checks a TypeScript caller against the declarations the package exports', () => {
    writeFileSync(
      path.join(project, 'typed.ts'),
      `import { compact, ingest, query, type IngestSummary, type QueryResult } from 'ctlake';
export async function audit(): Promise<number> {
  const summary: IngestSummary = await ingest({ sources: ['archive'], select: { since: '2026-05-01' } });
  const result: QueryResult = await query({ source: { kind: 'text', sql: 'SELECT 1' } });
  await compact({});
  return summary.events + result.rows.length;
}
`,
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2023',
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      { cwd: project, encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);
});
