import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/lake/catalog.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { ctlake, tempDir } from '../util/cli.js';

describe('ctlake command line', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['ingest'], /missing required argument 'source'/],
    [
      ['ingest', '.', '--workers', '0'],
      /--workers <n>' argument '0' is invalid. expected a whole number ≥ 1/,
    ],
    [
      ['ingest', '.', '--worker-memory', 'lots'],
      /--worker-memory <size>' argument 'lots' is invalid. expected a size such as 256MB or 1GB/,
    ],
    [
      ['query', '--format', 'xml', 'SELECT 1'],
      /argument 'xml' is invalid. Allowed choices are table, csv, json, ndjson, parquet, arrow/,
    ],
    [['query'], /give the query as SQL text, with --file, or with --name \(exactly one\)/],
    [['compact', '--memory', 'lots'], /--memory <size>' argument 'lots' is invalid/],
  ])('exits 2 on usage error %j', async (args, message) => {
    const result = await ctlake(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('names a source that does not exist', async () => {
    const result = await ctlake(['ingest', '/no/such/dir', '--lake', tempDir('cli')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('ctlake: no such file or directory: /no/such/dir\n');
  });

  it('names a lake that does not exist when asked to compact it', async () => {
    const lake = path.join(tempDir('cli'), 'no-lake');
    const result = await ctlake(['compact', '--lake', lake]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ctlake: no lake at ${lake} (ctlake ingest creates one)\n`);
  });

  it('names a glob that matches nothing', async () => {
    const dir = tempDir('cli');
    const result = await ctlake([
      'ingest',
      `${dir}/**/*.json.gz`,
      '--lake',
      path.join(dir, 'lake'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ctlake: no files match ${dir}/**/*.json.gz\n`);
  });

  it('says when there is no lake to query', async () => {
    const lake = path.join(tempDir('cli'), 'nothing-here');
    const result = await ctlake(['query', '--lake', lake, 'SELECT 1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ctlake: no lake at ${lake} (run ctlake ingest first, or pass --lake)\n`,
    );
  });

  it('reports a query error in one line', async () => {
    const dir = tempDir('cli');
    const file = path.join(dir, 'one.json.gz');
    writeFileSync(file, gzipSync('{"Records":[{"eventName":"A"}]}'));
    const lake = path.join(dir, 'lake');
    expect((await ctlake(['ingest', file, '--lake', lake])).code).toBe(0);
    const result = await ctlake(['query', '--lake', lake, 'SELECT nosuchcolumn FROM cloudtrail']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^ctlake: Binder Error: Referenced column "nosuchcolumn" not found/,
    );
  });

  it('reads the SQL from --file and queries an empty lake', async () => {
    const dir = tempDir('cli');
    const lake = path.join(dir, 'lake');
    mkdirSync(lake);
    const sqlFile = path.join(dir, 'q.sql');
    writeFileSync(sqlFile, 'SELECT count(*) AS n FROM cloudtrail');
    const result = await ctlake(['query', '--lake', lake, '--format', 'csv', '--file', sqlFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('n\n0\n');
  });

  it('refuses a second concurrent ingest into the same lake in one line', async () => {
    const layout = lakeLayout(tempDir('cli'));
    const writer = await Catalog.open(layout);
    try {
      const second = await ctlake(['ingest', layout.root, '--lake', layout.root]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(`^ctlake: lake ${layout.root} is in use by another ingest \\(.*\\)\\n$`),
      );
    } finally {
      writer.close();
    }
  });
});
