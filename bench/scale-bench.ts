/**
 * `npm run bench:scale [-- --events N --shards S --runs R]`: the measured facts behind README's
 * "Beyond one machine". On the ingest benchmark's archive shape (7 days, its seed), whole
 * processes, median of R runs:
 *
 * - one machine: `ctlake ingest` of the whole archive (2 workers);
 * - S machines, simulated one after another on this one: `ctlake ingest --shard i/S` of each share,
 *   each alone with the same 2 cores, so the S-machine wall time is the slowest shard's; then
 *   `ctlake merge` of the S lakes, checked to hold the single ingest's rows;
 * - the compacted lake's bytes per million events, in total and by column (what Athena bills a
 *   query for: the columns it reads).
 *
 * From these it projects a year of an organization trail (`--accounts`, `--account-events-per-day`)
 * onto one machine, n machines and Athena (at `--athena-usd-per-tb`, the published on-demand price).
 * Writes bench/RESULTS-scale.md and its block in bench/RESULTS.md. Nothing here asserts a timing.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, quotedString } from '@duckdb/node-api';
import { generateArchive } from '../fixtures/generator/archive.js';
import { query } from '../src/api.js';
import { ctlakeRun, log, MACHINE, median, OUT_DIR, publishTable } from './bench-run.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    shards: { type: 'string', default: '4' },
    runs: { type: 'string', default: '3' },
    accounts: { type: 'string', default: '100' },
    'account-events-per-day': { type: 'string', default: '1000000' },
    'athena-usd-per-tb': { type: 'string', default: '5' },
  },
});
const events = Number(values.events);
const shards = Number(values.shards);
const runs = Number(values.runs);
const accounts = Number(values.accounts);
const accountEventsPerDay = Number(values['account-events-per-day']);
const usdPerTb = Number(values['athena-usd-per-tb']);

const root = path.join(OUT_DIR, 'scale');
rmSync(root, { recursive: true, force: true });
const archive = path.join(root, 'archive');
const manifest = await generateArchive({
  outDir: archive,
  events,
  seed: 42,
  end: new Date('2026-05-08T00:00:00Z'),
  days: 7,
});
const total = manifest.events + manifest.insightEvents;
log(`${String(total)} events in ${String(manifest.logFiles + manifest.insightFiles)} files`);

const single = path.join(root, 'single');
const shardLake = (i: number): string => path.join(root, `shard-${String(i)}`);
const merged = path.join(root, 'merged');
const singleWalls: number[] = [];
const shardWalls: number[][] = Array.from({ length: shards }, () => []);
const shardEvents: number[] = [];
const mergeWalls: number[] = [];

async function count(lake: string): Promise<number> {
  const { rows } = await query({
    lakeDir: lake,
    source: { kind: 'text', sql: 'SELECT count(*) AS n FROM cloudtrail' },
  });
  return Number(rows[0]?.['n']);
}

for (let run = 0; run < runs; run++) {
  for (const lake of [single, merged, ...Array.from({ length: shards }, (_, i) => shardLake(i))]) {
    rmSync(lake, { recursive: true, force: true });
  }
  const one = await ctlakeRun(['ingest', archive, '--lake', single, '--quiet']);
  singleWalls.push(one.seconds);
  for (let i = 0; i < shards; i++) {
    const part = await ctlakeRun([
      'ingest',
      archive,
      '--lake',
      shardLake(i),
      '--shard',
      `${String(i)}/${String(shards)}`,
      '--quiet',
    ]);
    shardWalls[i]?.push(part.seconds);
    if (run === 0) shardEvents.push(await count(shardLake(i)));
  }
  const merge = await ctlakeRun([
    'merge',
    ...Array.from({ length: shards }, (_, i) => shardLake(i)),
    '--lake',
    merged,
  ]);
  mergeWalls.push(merge.seconds);
  const [mergedRows, singleRows] = [await count(merged), await count(single)];
  if (mergedRows !== total || singleRows !== total) {
    throw new Error(
      `merged ${String(mergedRows)}, single ${String(singleRows)}, expected ${String(total)}`,
    );
  }
  log(
    `run ${String(run + 1)}/${String(runs)}: single ${one.seconds.toFixed(1)} s, shards ${shardWalls.map((w) => (w.at(-1) ?? 0).toFixed(1)).join(' / ')} s, merge ${merge.seconds.toFixed(2)} s`,
  );
}

await ctlakeRun(['compact', '--lake', single]);
const partFiles = (readdirSync(path.join(single, 'events'), { recursive: true }) as string[])
  .filter((name) => name.endsWith('.parquet'))
  .map((name) => path.join(single, 'events', name));
const lakeBytes = partFiles.reduce((n, file) => n + statSync(file).size, 0);
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const columnBytes = new Map(
  (
    await connection.runAndReadAll(
      `SELECT split_part(path_in_schema, ', ', 1) AS col, sum(total_compressed_size)::BIGINT AS bytes
       FROM parquet_metadata([${partFiles.map(quotedString).join(', ')}]) GROUP BY col ORDER BY bytes DESC`,
    )
  )
    .getRowsJS()
    .map(([col, bytes]) => [typeof col === 'string' ? col : '?', Number(bytes)] as const),
);
connection.closeSync();
instance.closeSync();

const singleWall = median(singleWalls);
const perShard = shardWalls.map((walls) => median(walls));
const makespan = Math.max(...perShard);
const rate = total / singleWall;
const perMillion = (bytes: number): number => (bytes / total) * 1e6;
const yearEvents = accounts * accountEventsPerDay * 365;
const yearBytes = (perMillion(lakeBytes) * yearEvents) / 1e6;
const TB = 1e12;
const usd = (bytes: number): string => `$${((bytes / TB) * usdPerTb).toFixed(2)}`;
const gb = (bytes: number): string =>
  bytes >= 1e12 ? `${(bytes / 1e12).toFixed(1)} TB` : `${(bytes / 1e9).toFixed(2)} GB`;
/** The columns a typical "who did what, from where" audit query reads. */
const AUDIT_COLUMNS = [
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userIdentity',
  'errorCode',
  'recipientAccountId',
];
const auditBytes = AUDIT_COLUMNS.reduce((n, c) => n + (columnBytes.get(c) ?? 0), 0);
const auditShare = auditBytes / lakeBytes;
const eventsPerDayMachine = rate * 86_400;
const machineDays = yearEvents / eventsPerDayMachine;
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const table = [
  '### Beyond one machine: shards, merge, lake size',
  '',
  `\`npm run bench:scale -- --events ${String(events)} --shards ${String(shards)} --runs ${String(runs)}\` on ${MACHINE}, ${new Date().toISOString().slice(0, 10)}: the ingest benchmark's archive shape (7 days, seed 42, ${fmt(total)} events in ${fmt(manifest.logFiles + manifest.insightFiles)} files); whole processes, 2 workers each, median of ${String(runs)} runs. The ${String(shards)} shards are ingested one after another on this machine, each alone, standing for ${String(shards)} machines: their wall time together is the slowest shard's.`,
  '',
  '| what | median wall | events/s | notes |',
  '|---|---|---|---|',
  `| one machine: \`ctlake ingest\` | ${singleWall.toFixed(2)} s | ${fmt(rate)} | ${fmt(eventsPerDayMachine / 1e9, 2)} billion events a day |`,
  ...perShard.map(
    (wall, i) =>
      `| shard ${String(i)}/${String(shards)}: \`ctlake ingest --shard ${String(i)}/${String(shards)}\` | ${wall.toFixed(2)} s | ${fmt((shardEvents[i] ?? 0) / wall)} | ${fmt(shardEvents[i] ?? 0)} events (${fmt((100 * (shardEvents[i] ?? 0)) / total, 1)}%) |`,
  ),
  `| ${String(shards)} machines (slowest shard) | ${makespan.toFixed(2)} s | ${fmt(total / makespan)} | ${(singleWall / makespan).toFixed(2)}× one machine |`,
  `| \`ctlake merge\` of the ${String(shards)} lakes | ${median(mergeWalls).toFixed(2)} s | – | parts hard-linked, catalogs unioned; rows checked equal to the single ingest's |`,
  '',
  `Each shard holds 1/${String(shards)} of the events but takes ${fmt(makespan - singleWall / shards, 1)} s more than a ${String(shards)}th of the single run (the slowest): what a run costs whatever its size (start-up, listing all ${fmt(manifest.logFiles + manifest.insightFiles)} objects to pick its share, the catalog) and the uneven split. On shares of billions of events that cost vanishes, so the projection below takes n machines as n times one.`,
  '',
  `Compacted lake: ${gb(lakeBytes)} for ${fmt(total)} events, **${fmt(perMillion(lakeBytes) / 1e6, 1)} MB per million events** (zstd Parquet, eventJson included). By column: ${[
    ...columnBytes,
  ]
    .slice(0, 6)
    .map(([c, b]) => `${c} ${fmt((100 * b) / lakeBytes, 1)}%`)
    .join(
      ', ',
    )}; the columns of a "who did what, from where" query (${AUDIT_COLUMNS.join(', ')}) ${fmt(100 * auditShare, 1)}%.`,
  '',
  `Projection, a year of a ${fmt(accounts)}-account organization trail at ${fmt(accountEventsPerDay)} events per account per day (${fmt(yearEvents / 1e9, 1)} billion events; an assumption: change it with the flags), Athena at $${String(usdPerTb)} per TB scanned:`,
  '',
  '| | figure |',
  '|---|---|',
  `| ingest on one machine like this one | ${fmt(machineDays, 1)} days |`,
  ...[4, 16, 64].map(
    (n) =>
      `| ingest on ${String(n)} such machines (\`--shard i/${String(n)}\`, then \`merge\` or \`push\` of each) | ${fmt(machineDays / n, 1)} days |`,
  ),
  `| lake size (what \`push\` uploads) | ${gb(yearBytes)} |`,
  `| Athena: a query reading every column of the year | ${usd(yearBytes)} |`,
  `| Athena: a "who did what, from where" query over the year | ${usd(yearBytes * auditShare)} |`,
  `| Athena: the same over one day (\`event_date\` partition pruning) | ${usd((yearBytes * auditShare) / 365)} (10 MB minimum: $${((10e6 / TB) * usdPerTb).toFixed(5)}) |`,
].join('\n');
publishTable('scale-bench', 'RESULTS-scale.md', table);
rmSync(root, { recursive: true, force: true });
log('written');
