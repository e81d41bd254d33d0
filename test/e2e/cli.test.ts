import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/lake/catalog.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { CLI, ctlake, finished, queryRows, tempDir } from '../util/cli.js';

/** Whether this machine lets the tests mount a small tmpfs in a mount namespace of their own. */
const CAN_MOUNT =
  process.platform === 'linux' &&
  spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /mnt'], {
    stdio: 'ignore',
  }).status === 0;

/** A log file of one event, on 2024-05-09, written into `dir`. */
function oneEventLog(dir: string): string {
  const file = path.join(dir, 'one.json.gz');
  writeFileSync(
    file,
    gzipSync('{"Records":[{"eventName":"A","eventTime":"2024-05-09T10:00:00Z"}]}'),
  );
  return file;
}

/** `dir/lake`, ingested from `source`, or from a directory with no logs: a lake with no events. */
async function ingestedLake(dir: string, source?: string): Promise<string> {
  const lake = path.join(dir, 'lake');
  const from = source ?? path.join(dir, 'no-logs');
  if (source === undefined) mkdirSync(from);
  const result = await ctlake(['ingest', from, '--lake', lake]);
  expect(result.code, result.stderr).toBe(0);
  return lake;
}

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
    [
      ['ingest', '.', '--worker-memory', '1KB'],
      /argument '1KB' is invalid. expected at least 16MB/,
    ],
    [['compact', '--memory', '0MB'], /argument '0MB' is invalid. expected at least 16MB/],
    [
      ['ingest', '.', '--workers', '1e9'],
      /--workers <n>' argument '1e9' is invalid. expected at most 256/,
    ],
    [['ingest', '.', '--since', '2026-02-30'], /^ctlake: --since 2026-02-30: not a date or time/],
    [
      ['ingest', '.', '--until', '+275760-09-13T00:00:00Z'],
      /^ctlake: --until \+275760-09-13T00:00:00Z: year out of range\n$/,
    ],
    [
      ['ingest', '.', '--account', '1234'],
      /^ctlake: --account 1234: expected a 12-digit account ID\n$/,
    ],
    [
      ['ingest', '.', '--region', 'US_EAST_1'],
      /^ctlake: --region US_EAST_1: expected a region name such as us-east-1\n$/,
    ],
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

  it('says a directory that is not a lake is not one', async () => {
    const dir = tempDir('cli');
    const result = await ctlake(['query', '--lake', dir, 'SELECT 1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ctlake: no lake at ${dir} (run ctlake ingest first, or pass --lake)\n`,
    );
  });

  it.each([
    ['a regular file', (dir: string) => path.join(dir, 'file'), 'EEXIST'],
    ['a path under a file', (dir: string) => path.join(dir, 'file', 'lake'), 'ENOTDIR'],
  ])('names a --lake that cannot be made: %s', async (_, lakeOf, code) => {
    const dir = tempDir('cli');
    writeFileSync(path.join(dir, 'file'), 'not a lake');
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const lake = lakeOf(dir);
    const result = await ctlake(['ingest', empty, '--lake', lake]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`ctlake: cannot create the lake at ${lake}: ${code}\n`);
  });

  it('will not start a new catalog over the parts of a lake whose catalog is gone', async () => {
    const dir = tempDir('cli');
    const file = oneEventLog(dir);
    const lake = await ingestedLake(dir, file);
    const parts = readdirSync(path.join(lake, 'events'), { recursive: true }).sort();
    rmSync(path.join(lake, 'catalog.duckdb'));
    const result = await ctlake(['ingest', file, '--lake', lake]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ctlake: lake ${lake} has event parts but no catalog.duckdb (deleted?): restore it, or move events/ away to start a new lake\n`,
    );
    expect(readdirSync(path.join(lake, 'events'), { recursive: true }).sort()).toEqual(parts);
  });

  it('names a damaged part when compacting, in one line', async () => {
    const dir = tempDir('cli');
    const lake = await ingestedLake(dir, oneEventLog(dir));
    const day = path.join(lake, 'events', 'event_date=2024-05-09');
    const [part] = readdirSync(day);
    writeFileSync(path.join(day, part ?? ''), '');
    const result = await ctlake(['compact', '--lake', lake]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^ctlake: compacting event_date=2024-05-09: /);
  });

  it.skipIf(!existsSync('/dev/full'))(
    'says in one line that stdout could not be written',
    async () => {
      const lake = await ingestedLake(tempDir('cli'));
      const full = openSync('/dev/full', 'w');
      try {
        const child = spawn(
          process.execPath,
          [CLI, 'query', '--lake', lake, '--format', 'csv', 'SELECT range AS n FROM range(100000)'],
          {
            stdio: ['ignore', full, 'pipe'],
          },
        );
        const result = await finished(child);
        expect(result.code).toBe(1);
        expect(result.stderr).toBe('ctlake: cannot write the output: ENOSPC\n');
      } finally {
        closeSync(full);
      }
    },
  );

  it('never aborts when the workers are stopped just after starting (nothing to do, 20 runs)', async () => {
    const dir = tempDir('cli');
    const nothing = path.join(dir, 'no-logs');
    mkdirSync(nothing);
    for (let run = 0; run < 20; run++) {
      const result = await ctlake([
        'ingest',
        nothing,
        '--lake',
        path.join(dir, `lake-${String(run)}`),
        '--workers',
        '4',
      ]);
      expect(result.signal, result.stderr).toBeNull();
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('names a scratch directory that cannot be made (CTLAKE_SCRATCH_DIR)', async () => {
    const dir = tempDir('cli');
    const file = oneEventLog(dir);
    const notADir = path.join(dir, 'file');
    writeFileSync(notADir, '');
    const result = await ctlake(['ingest', file, '--lake', path.join(dir, 'lake')], {
      env: { CTLAKE_SCRATCH_DIR: notADir },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ctlake: cannot make a scratch directory in ${notADir}: ENOTDIR (set CTLAKE_SCRATCH_DIR to another)\n`,
    );
  });

  // A full disk is a fault of the machine: the run stops on one line instead of recording every
  // object as unreadable, and the next run, with room, reads everything.
  it.skipIf(!CAN_MOUNT)(
    'stops on one line when the scratch space is full, and a re-run completes',
    async () => {
      const dir = tempDir('cli');
      const archive = path.join(dir, 'archive');
      const manifest = await generateArchive({
        outDir: archive,
        events: 20_000,
        seed: 5,
        end: new Date('2026-01-01T00:00:00Z'),
        days: 1,
      });
      const small = path.join(dir, 'small');
      mkdirSync(small);
      const lake = path.join(dir, 'lake');
      const full = spawnSync(
        'unshare',
        [
          '-m',
          'sh',
          '-c',
          `mount -t tmpfs -o size=2m tmpfs "${small}" && exec "${process.execPath}" "${CLI}" ingest "${archive}" --lake "${lake}" --quiet`,
        ],
        { encoding: 'utf8', env: { ...process.env, CTLAKE_SCRATCH_DIR: small } },
      );
      expect(full.status).toBe(1);
      expect(full.stderr.trim().split('\n')).toHaveLength(1);
      expect(full.stderr).toMatch(/^ctlake: ingest stopped: ENOSPC: no space left on device/);
      const rerun = await ctlake(['ingest', archive, '--lake', lake, '--quiet']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).not.toContain('already in the lake');
      const [row] = await queryRows(lake, 'SELECT count(*) AS n FROM cloudtrail');
      expect(row?.['n']).toBe(manifest.events + manifest.insightEvents);
    },
  );

  it('reports a query error in one line', async () => {
    const dir = tempDir('cli');
    const lake = await ingestedLake(dir, oneEventLog(dir));
    const result = await ctlake(['query', '--lake', lake, 'SELECT nosuchcolumn FROM cloudtrail']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^ctlake: Binder Error: Referenced column "nosuchcolumn" not found/,
    );
  });

  it('reads the SQL from --file and queries an empty lake', async () => {
    const dir = tempDir('cli');
    const lake = await ingestedLake(dir);
    const sqlFile = path.join(dir, 'q.sql');
    writeFileSync(sqlFile, 'SELECT count(*) AS n FROM cloudtrail');
    const result = await ctlake(['query', '--lake', lake, '--format', 'csv', '--file', sqlFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('n\n0\n');
  });

  it("keeps the benchmark's row forms out of an existing lake, and names an unknown one", async () => {
    const layout = lakeLayout(tempDir('cli'));
    (await Catalog.open(layout)).close();
    const into = await ctlake(['ingest', layout.root, '--lake', layout.root], {
      env: { CTLAKE_BENCH_ROW_FORM: 'json-nested' },
    });
    expect(into.code).toBe(2);
    expect(into.stderr).toBe(
      `ctlake: CTLAKE_BENCH_ROW_FORM writes rows that are not Lake-schema: only into a new lake, and ${layout.root} exists\n`,
    );
    const unknown = await ctlake(['ingest', layout.root, '--lake', tempDir('cli')], {
      env: { CTLAKE_BENCH_ROW_FORM: 'typed' },
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^ctlake: CTLAKE_BENCH_ROW_FORM=typed: not a row form \(.*\)\n$/,
    );
  });

  it('refuses a second concurrent ingest into the same lake in one line', async () => {
    const layout = lakeLayout(tempDir('cli'));
    const writer = await Catalog.open(layout);
    try {
      const second = await ctlake(['ingest', layout.root, '--lake', layout.root]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `^ctlake: lake ${layout.root} is in use by another ctlake ingest or compact \\(.*\\)\\n$`,
        ),
      );
    } finally {
      writer.close();
    }
  });
});
