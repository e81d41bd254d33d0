/**
 * What a query may cost and print: timestamps beyond JavaScript's Date, a timeout and a memory cap
 * with flags to raise them, a clean stop on Ctrl-C, functions that bind SQL of their own refused,
 * and CSV that a spreadsheet will not run.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctlake, finished, startCli, tempDir } from '../util/cli.js';

const record = (id: string, eventTime: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: '1.09',
  eventTime,
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  eventID: id,
  ...extra,
});

describe('queries at their limits', () => {
  const dir = tempDir('query-limits');
  const lake = path.join(dir, 'lake');
  const run = (args: readonly string[], env?: NodeJS.ProcessEnv) =>
    ctlake(['query', '--lake', lake, ...args], env === undefined ? {} : { env });

  beforeAll(async () => {
    const archive = path.join(dir, 'archive');
    mkdirSync(archive, { recursive: true });
    writeFileSync(
      path.join(archive, 'times.json.gz'),
      gzipSync(
        JSON.stringify({
          Records: [
            record('far-future', '294247-01-10T04:00:54Z'),
            record('normal', '2024-05-09T10:00:00Z', {
              userAgent: '=HYPERLINK("http://evil.example","click")',
              errorMessage: '+1-2',
            }),
          ],
        }),
      ),
    );
    expect((await ctlake(['ingest', archive, '--lake', lake, '--quiet'])).code).toBe(0);
  }, 60_000);

  it.each([
    ['table', /\| \+294247-01-10T04:00:54Z \|/],
    ['csv', /^\+294247-01-10T04:00:54Z$/m],
    ['json', /"\+294247-01-10T04:00:54Z"/],
    ['ndjson', /"\+294247-01-10T04:00:54Z"/],
  ])('prints a timestamp beyond JavaScript Date in %s', async (format, expected) => {
    const result = await run([
      '--format',
      format,
      `SELECT "eventTime" FROM cloudtrail WHERE "eventID" = 'far-future'`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(expected);
  });

  it('stops a runaway query at --timeout, in one line', async () => {
    const result = await run(['--timeout', '1', 'SELECT count(*) FROM range(10000000000000)']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'ctlake: the query was stopped after 1 s (--timeout; 0 for no limit)\n',
    );
  });

  it('caps memory at 2GB by default and at --memory when given', async () => {
    const setting = async (args: readonly string[]): Promise<string> => {
      const result = await run([
        ...args,
        '--format',
        'csv',
        `SELECT current_setting('memory_limit') AS m, current_setting('max_temp_directory_size') AS t`,
      ]);
      expect(result.code).toBe(0);
      return result.stdout.trim().split('\n')[1] ?? '';
    };
    expect(await setting([])).toBe('1.8 GiB,9.3 GiB');
    expect(await setting(['--memory', '64MB'])).toMatch(/^61\.0 MiB,/);
    const tooMuch = await run([
      '--memory',
      '32MB',
      '--timeout',
      '60',
      'SELECT list(range) FROM range(20000000)',
    ]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(/^ctlake: Out of Memory Error: .*\n$/);
  });

  it('cannot raise its own limits from SQL', async () => {
    const result = await run([
      "SELECT 1 FROM cloudtrail WHERE current_setting('memory_limit') = ''; SET memory_limit = '100GB'",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ctlake: refused: /);
  });

  it('stops on Ctrl-C with status 130 and leaves neither temp files nor a lease', async () => {
    const tmp = tempDir('query-tmp');
    const child = startCli(
      ['query', '--lake', lake, '--timeout', '0', 'SELECT count(*) FROM range(10000000000000)'],
      { env: { TMPDIR: tmp } },
    );
    const result = finished(child);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    const ended = await result;
    expect(ended.code).toBe(130);
    expect(ended.stderr).toContain('ctlake: interrupted; the query was stopped');
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(path.join(lake, 'readers'))).toEqual([]);
  });

  it('runs a 60,000-literal IN list', async () => {
    const names = Array.from({ length: 60_000 }, (_, i) => `'Name${String(i)}'`);
    names.push("'GetObject'");
    const file = path.join(dir, 'in-list.sql');
    writeFileSync(
      file,
      `SELECT count(*) AS n FROM cloudtrail WHERE "eventName" IN (${names.join(', ')})`,
    );
    const result = await run(['--format', 'csv', '--file', file]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('n\n2\n');
  }, 60_000);

  it('refuses json_serialize_plan, which binds SQL of its own', async () => {
    const result = await run([
      "SELECT json_serialize_plan('SELECT * FROM read_csv(''/etc/passwd'')') FROM cloudtrail",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'ctlake: refused: json_serialize_plan() binds SQL of its own and cannot run in a query\n',
    );
  });

  it('writes formula-like values with a leading quote under --csv-safe, and as they are without', async () => {
    const sql = `SELECT "userAgent", "errorMessage" FROM cloudtrail WHERE "eventID" = 'normal'`;
    const plain = await run(['--format', 'csv', sql]);
    expect(plain.stdout).toBe(
      'userAgent,errorMessage\n"=HYPERLINK(""http://evil.example"",""click"")",+1-2\n',
    );
    const safe = await run(['--format', 'csv', '--csv-safe', sql]);
    expect(safe.stdout).toBe(
      'userAgent,errorMessage\n"\'=HYPERLINK(""http://evil.example"",""click"")",\'+1-2\n',
    );
    const notCsv = await run(['--csv-safe', sql]);
    expect(notCsv.code).toBe(2);
    expect(notCsv.stderr).toBe('ctlake: --csv-safe applies to --format csv only\n');
  });
});
