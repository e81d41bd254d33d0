import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/lake/catalog.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { readPartSet } from '../../src/lake/part-set.js';
import { hasLiveReaders, takeReaderLease } from '../../src/lake/reader-leases.js';
import { tempDir } from '../util/cli.js';

async function sql(catalogPath: string, statement: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(catalogPath);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(statement)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('Catalog', () => {
  it('rolls a committed but unmoved part forward and clears uncommitted staging on open', async () => {
    const layout = lakeLayout(tempDir('catalog'));
    (await Catalog.open(layout)).close();
    // The state a crash right after COMMIT leaves: catalog says pending, file still staged.
    const staged = path.join(
      layout.stagingDir,
      'r1-t0',
      'event_date=2024-05-09',
      'part-r1-t0-0.parquet',
    );
    mkdirSync(path.dirname(staged), { recursive: true });
    writeFileSync(staged, 'parquet bytes');
    const orphan = path.join(
      layout.stagingDir,
      'r1-t1',
      'event_date=2024-05-09',
      'part-r1-t1-0.parquet',
    );
    mkdirSync(path.dirname(orphan), { recursive: true });
    writeFileSync(orphan, 'never committed');
    await sql(
      layout.catalogPath,
      `INSERT INTO parts (part, run_id, rows, bytes, staged, state) VALUES ('event_date=2024-05-09/part-r1-t0-0.parquet', 1, 3, 13, '${staged}', 'pending');
       INSERT INTO runs VALUES (1, now()::TIMESTAMP, NULL, 'x', 'running', NULL, NULL, NULL, NULL)`,
    );

    (await Catalog.open(layout)).close();

    expect(
      existsSync(path.join(layout.eventsDir, 'event_date=2024-05-09', 'part-r1-t0-0.parquet')),
    ).toBe(true);
    expect(existsSync(layout.stagingDir)).toBe(false);
    expect(await sql(layout.catalogPath, `SELECT state FROM parts`)).toEqual([{ state: 'live' }]);
    expect(await sql(layout.catalogPath, `SELECT status FROM runs`)).toEqual([
      { status: 'interrupted' },
    ]);
  });

  it('finishes deleting a retired part', async () => {
    const layout = lakeLayout(tempDir('catalog'));
    (await Catalog.open(layout)).close();
    const file = path.join(layout.eventsDir, 'event_date=2024-05-09', 'part-old.parquet');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'old rows');
    await sql(
      layout.catalogPath,
      `INSERT INTO parts (part, run_id, rows, bytes, staged, state) VALUES ('event_date=2024-05-09/part-old.parquet', 1, 3, 8, NULL, 'retired')`,
    );
    (await Catalog.open(layout)).close();
    expect(existsSync(file)).toBe(false);
    expect(await sql(layout.catalogPath, `SELECT count(*)::INTEGER AS n FROM parts`)).toEqual([
      { n: 0 },
    ]);
  });

  it('publishes the live parts, and keeps a retired part on disk while a query may read it', async () => {
    const layout = lakeLayout(tempDir('catalog'));
    (await Catalog.open(layout)).close();
    expect(readPartSet(layout)).toEqual([]);
    const day = path.join(layout.eventsDir, 'event_date=2024-05-09');
    mkdirSync(day, { recursive: true });
    writeFileSync(path.join(day, 'part-old.parquet'), 'old rows');
    writeFileSync(path.join(day, 'compact-r2.parquet'), 'new rows');
    await sql(
      layout.catalogPath,
      `INSERT INTO parts (part, run_id, rows, bytes, staged, state) VALUES ('event_date=2024-05-09/part-old.parquet', 1, 3, 8, NULL, 'retired');
       INSERT INTO parts (part, run_id, rows, bytes, staged, state) VALUES ('event_date=2024-05-09/compact-r2.parquet', 2, 3, 8, NULL, 'live')`,
    );
    const lease = takeReaderLease(layout);
    (await Catalog.open(layout)).close();
    expect(readPartSet(layout)).toEqual([path.join(day, 'compact-r2.parquet')]);
    expect(existsSync(path.join(day, 'part-old.parquet'))).toBe(true);
    expect(await hasLiveReaders(layout)).toBe(true);

    lease.release();
    (await Catalog.open(layout)).close();
    expect(existsSync(path.join(day, 'part-old.parquet'))).toBe(false);
    expect(await sql(layout.catalogPath, `SELECT part FROM parts`)).toEqual([
      { part: 'event_date=2024-05-09/compact-r2.parquet' },
    ]);
  });

  it('ignores and removes the lease of a query whose process is gone', async () => {
    const layout = lakeLayout(tempDir('catalog'));
    mkdirSync(layout.readersDir, { recursive: true });
    // Process ids above the kernel's limit (4194304) never run.
    const stale = path.join(layout.readersDir, '99999999-abcdef.lease');
    writeFileSync(stale, '');
    expect(await hasLiveReaders(layout)).toBe(false);
    expect(existsSync(stale)).toBe(false);
  });

  it.each([
    ['not JSON', '{"format":', /is not readable JSON/],
    ['another format', '{"format":"x/9","parts":[]}', /is not a part set this ctlake reads/],
    [
      'a path out of events/',
      '{"format":"ctlake-part-set/1","parts":["../../etc/passwd.parquet"]}',
      /lists "..\/..\/etc\/passwd.parquet", which is not a part under events\//,
    ],
    [
      'an absolute path',
      '{"format":"ctlake-part-set/1","parts":["/etc/x.parquet"]}',
      /which is not a part under events\//,
    ],
  ])('refuses a part set that is %s, in one line', (_, text, reason) => {
    const layout = lakeLayout(tempDir('catalog'));
    mkdirSync(layout.root, { recursive: true });
    writeFileSync(layout.partSetPath, text);
    expect(() => readPartSet(layout)).toThrow(reason);
  });
});
