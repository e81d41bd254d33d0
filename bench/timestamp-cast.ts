/**
 * `node dist/bench/timestamp-cast.js [--rows N] [--runs R]`: what marking the lake's timestamps
 * as UTC instants (Parquet isAdjustedToUTC=true, which DuckDB 1.5 writes only for TIMESTAMPTZ)
 * would cost ctlake's own queries if its event view cast them back to TIMESTAMP: a two-hour
 * eventTime range over N rows in 100,000-row groups, from a TIMESTAMP file and from a TIMESTAMPTZ
 * file read through the cast, interleaved, median of R. Prints one line; EXPERIMENTS.md keeps it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { median } from './bench-run.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000000' },
    runs: { type: 'string', default: '5' },
  },
});
const rows = Number(values.rows);
const dir = path.join(os.tmpdir(), `ctlake-timestamp-cast-${String(process.pid)}`);
const plain = path.join(dir, 'timestamp.parquet');
const zoned = path.join(dir, 'timestamptz.parquet');
const instance = await DuckDBInstance.create(':memory:');
const c = await instance.connect();
try {
  await c.run(`SET TimeZone = 'UTC'`);
  mkdirSync(dir, { recursive: true });
  await c.run(
    `COPY (SELECT TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS t, md5(i::VARCHAR) AS pad FROM range(${String(rows)}) r(i))
     TO '${plain}' (ROW_GROUP_SIZE 100000)`,
  );
  await c.run(
    `COPY (SELECT t::TIMESTAMPTZ AS t, pad FROM read_parquet('${plain}')) TO '${zoned}' (ROW_GROUP_SIZE 100000)`,
  );
  const sql = (from: string): string =>
    `SELECT count(*), max(pad) FROM (${from}) WHERE t BETWEEN TIMESTAMP '2024-03-01 00:00:00' AND TIMESTAMP '2024-03-01 02:00:00'`;
  const variants = {
    timestamp: sql(`SELECT t, pad FROM read_parquet('${plain}')`),
    'timestamptz cast to timestamp': sql(
      `SELECT CAST(t AS TIMESTAMP) AS t, pad FROM read_parquet('${zoned}')`,
    ),
  };
  const times: Record<string, number[]> = {};
  for (let run = 0; run < Number(values.runs); run++) {
    for (const [name, text] of Object.entries(variants)) {
      const started = performance.now();
      await c.runAndReadAll(text);
      (times[name] ??= []).push(performance.now() - started);
    }
  }
  const line = Object.entries(times)
    .map(([name, ms]) => `${name} ${median(ms).toFixed(0)} ms`)
    .join('; ');
  process.stdout.write(`${String(rows)} rows, 2-hour range, median of ${values.runs}: ${line}\n`);
} finally {
  c.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
}
