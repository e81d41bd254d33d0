/**
 * Paths an attacker or an unlucky user can hand ctlake: symbolic links that loop or lead out of
 * the source, a folder that cannot be read, a lake whose path holds glob characters, and file
 * names holding terminal escapes and line breaks.
 */
import { chmodSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { ctlake, queryRows, tempDir } from '../util/cli.js';

const record = (id: string, userAgent = 'aws-cli/2'): Record<string, unknown> => ({
  eventVersion: '1.09',
  eventTime: '2024-05-09T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  eventID: id,
  userAgent,
});

function writeLog(file: string, ids: readonly string[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, gzipSync(JSON.stringify({ Records: ids.map((id) => record(id)) })));
}

async function countEvents(lake: string): Promise<{ n: number; objects: number }> {
  const [row] = await queryRows(
    lake,
    `SELECT count(*) AS n, count(DISTINCT "sourceObject") AS objects FROM cloudtrail`,
  );
  return { n: Number(row?.['n']), objects: Number(row?.['objects']) };
}

function ctlakeLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('ctlake: '));
}

describe('symbolic links in a source folder', () => {
  const dir = tempDir('links');
  const source = path.join(dir, 'source');

  beforeAll(() => {
    writeLog(path.join(source, 'a.json.gz'), ['a1', 'a2']);
    writeLog(path.join(source, 'sub', 'b.json.gz'), ['b1']);
    // A loop back up the tree, two loops at once, and a way out to the whole machine.
    symlinkSync('..', path.join(source, 'sub', 'loop'));
    symlinkSync('../..', path.join(source, 'sub', 'loop2'));
    symlinkSync('/', path.join(source, 'root'));
    // A link to a file is an ordinary file to read.
    writeLog(path.join(dir, 'elsewhere', 'c.json.gz'), ['c1']);
    symlinkSync(path.join(dir, 'elsewhere', 'c.json.gz'), path.join(source, 'c-link.json.gz'));
  });

  it('reads each file once, follows links to files, and names each link to a directory it does not follow', async () => {
    const lake = path.join(dir, 'lake');
    const result = await ctlake(['ingest', source, '--lake', lake, '--quiet']);
    expect(result.code).toBe(0);
    expect(await countEvents(lake)).toEqual({ n: 4, objects: 3 });
    const notFollowed = ctlakeLines(result.stderr);
    expect(notFollowed.sort()).toEqual(
      ['root', 'sub/loop', 'sub/loop2']
        .map(
          (link) =>
            `ctlake: ${path.join(source, link)}: a symbolic link to a directory, not followed (give its target as a source)`,
        )
        .sort(),
    );
  });
});

describe.skipIf(process.platform === 'win32')('a folder that cannot be read', () => {
  const dir = tempDir('unreadable');
  const source = path.join(dir, 'source');
  const locked = path.join(source, 'locked');
  // File modes do not stop root, who holds the capabilities to override them: as root, the CLI
  // runs without them (the clone may sit where another user could not reach it).
  const asUser =
    process.getuid?.() === 0
      ? { wrapper: ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'] }
      : {};

  beforeAll(() => {
    writeLog(path.join(source, 'a.json.gz'), ['a1', 'a2']);
    writeLog(path.join(locked, 'hidden.json.gz'), ['h1']);
    chmodSync(locked, 0o000);
  });

  it('is named in one line while the rest is ingested, and the run exits 1', async () => {
    const lake = path.join(dir, 'lake');
    const result = await ctlake(['ingest', source, '--lake', lake, '--quiet'], asUser);
    chmodSync(locked, 0o755);
    expect(ctlakeLines(result.stderr)).toEqual([`ctlake: ${locked}: cannot list: EACCES`]);
    expect(result.stderr).toMatch(/ingested: 1 objects, 2 events, .* 1 errors/);
    expect(result.code).toBe(1);
    expect(await countEvents(lake)).toEqual({ n: 2, objects: 1 });
  });
});

describe.each([
  ['brackets', 'Incident [2024]'],
  ['a star', 'case *'],
  ['braces', 'set {a,b}'],
])('a lake whose path holds %s', (_, name) => {
  const dir = tempDir('glob');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, name, 'lake');
  // A sibling the glob would match: `Incident [2024]` as a pattern matches `Incident 2`.
  const decoy = path.join(dir, name.replace(/[[*?]/g, '2').replace(/\[2024\]/, '2'), 'lake');
  let events = 0;

  beforeAll(async () => {
    const manifest = await generateArchive({
      outDir: archive,
      events: 300,
      seed: 5,
      end: new Date('2026-02-01T00:00:00Z'),
      days: 2,
    });
    events = manifest.events + manifest.insightEvents;
    if (decoy !== lake) {
      writeLog(path.join(decoy, 'events', 'event_date=2026-01-31', 'decoy.parquet'), ['x']);
    }
  }, 60_000);

  it('ingests, re-ingests a changed object, compacts and queries exactly its own parts', async () => {
    const first = await ctlake(['ingest', archive, '--lake', lake, '--quiet']);
    expect(first.stderr).not.toContain('ctlake: ');
    expect(first.code).toBe(0);
    expect((await countEvents(lake)).n).toBe(events);

    const changed = readdirSync(archive, { recursive: true })
      .map(String)
      .find((f) => f.includes('/CloudTrail/') && f.endsWith('.json.gz'));
    if (changed === undefined) throw new Error('no log file in the generated archive');
    writeLog(path.join(archive, changed), ['replaced-1', 'replaced-2']);
    const again = await ctlake(['ingest', archive, '--lake', lake, '--quiet']);
    expect(again.code).toBe(0);
    const afterReplace = await countEvents(lake);

    const compact = await ctlake(['compact', '--lake', lake]);
    expect(compact.stderr).not.toContain('ctlake: ');
    expect(compact.code).toBe(0);
    expect(await countEvents(lake)).toEqual(afterReplace);
    const [replaced] = await queryRows(
      lake,
      `SELECT count(*) AS n FROM cloudtrail WHERE "eventID" LIKE 'replaced-%'`,
    );
    expect(replaced?.['n']).toBe(2);
  });
});

describe('a lake whose path holds a question mark', () => {
  it('is refused in one line before anything is written (DuckDB cannot keep a database there)', async () => {
    const dir = tempDir('question');
    const lake = path.join(dir, 'what?', 'lake');
    writeLog(path.join(dir, 'archive', 'a.json.gz'), ['a1']);
    const result = await ctlake(['ingest', path.join(dir, 'archive'), '--lake', lake]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `ctlake: cannot keep a lake at ${lake}: DuckDB cannot store a database under a path holding '?' (choose another --lake)\n`,
    );
  });
});

describe('file names that hold terminal escapes and line breaks', () => {
  const dir = tempDir('names');
  const source = path.join(dir, 'source');
  const hostile = 'x\u001b[2J\u001b]0;owned\u0007\nctlake: forged line\u202e.json.gz';

  beforeAll(() => {
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, hostile), 'not a log');
  });

  it('are printed escaped, one line per object, so they can neither drive the terminal nor forge lines', async () => {
    const result = await ctlake(['ingest', source, '--lake', path.join(dir, 'lake'), '--quiet']);
    expect(result.code).toBe(1);
    // eslint-disable-next-line no-control-regex -- no raw control character may reach the terminal
    expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    const lines = ctlakeLines(result.stderr);
    expect(lines).toEqual([
      `ctlake: ${source}/x\\x1b[2J\\x1b]0;owned\\x07\\nctlake: forged line\\u202e.json.gz: neither gzip nor JSON (the first bytes are not a gzip header, "{", "[" or a CloudWatch Logs export line's time)`,
    ]);
  });
});
