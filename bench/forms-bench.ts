/**
 * `npm run bench:forms [-- --events N --runs R]`: how fast `ctlake ingest` reads each form events
 * travel in, against CloudTrail's own `{"Records":[…]}` measured in the same run. The same
 * generated events are written in every form (fixtures/generator/forms.ts), in files of 2,500
 * events (a busy account's file size), every file gzipped; whole processes, 2 workers, a fresh
 * lake each run, the forms interleaved within each run; median of R runs. `single` (one file per
 * event) is left out: it measures the cost of a file, not of a form. Writes
 * bench/RESULTS-forms.md and its block in bench/RESULTS.md. Nothing here asserts a timing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { generateArchive, readArchiveRecords } from '../fixtures/generator/archive.js';
import { EVENT_FORMS, type EventForm, encodeEventForm } from '../fixtures/generator/forms.js';
import { ctlakeRun, log, MACHINE, median, OUT_DIR, publishTable, type Run } from './bench-run.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);
const FILE_EVENTS = 2_500;
const FORMS = EVENT_FORMS.filter((form) => form !== 'single');

const root = path.join(OUT_DIR, 'forms');
rmSync(root, { recursive: true, force: true });
const archive = path.join(root, 'archive');
await generateArchive({
  outDir: archive,
  events,
  seed: 5,
  end: new Date('2026-06-01T00:00:00Z'),
  days: 2,
  bursts: false,
});
const records = readArchiveRecords(archive);
rmSync(archive, { recursive: true, force: true });

const gzipBytes = new Map<EventForm, number>();
for (const form of FORMS) {
  const dir = path.join(root, form);
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (let from = 0, n = 0; from < records.length; from += FILE_EVENTS, n++) {
    for (const file of encodeEventForm(records.slice(from, from + FILE_EVENTS), form)) {
      const gz = gzipSync(file.bytes);
      bytes += gz.length;
      writeFileSync(path.join(dir, `${String(n).padStart(4, '0')}-${file.name}.gz`), gz);
    }
  }
  gzipBytes.set(form, bytes);
}
log(`${String(records.length)} events written in ${String(FORMS.length)} forms`);

const results = new Map<EventForm, Run[]>(FORMS.map((form) => [form, []]));
const lake = path.join(root, 'lake');
for (let i = 0; i < runs; i++) {
  for (const form of FORMS) {
    rmSync(lake, { recursive: true, force: true });
    const run = await ctlakeRun(['ingest', path.join(root, form), '--lake', lake, '--quiet']);
    if (
      !run.summary.includes(` ${String(records.length)} events, `) ||
      !run.summary.includes(' 0 errors')
    ) {
      throw new Error(`${form}: unexpected summary: ${run.summary}`);
    }
    results.get(form)?.push(run);
    log(`${form} ${String(i + 1)}/${String(runs)}: ${run.seconds.toFixed(2)} s`);
  }
}
rmSync(lake, { recursive: true, force: true });

const wall = (form: EventForm): number => median((results.get(form) ?? []).map((r) => r.seconds));
const baseline = wall('records');
const table = [
  '### Ingest by event form',
  '',
  `\`npm run bench:forms -- --events ${String(events)} --runs ${String(runs)}\` on ${MACHINE}, ${new Date().toISOString().slice(0, 10)}: the same ${records.length.toLocaleString('en-US')} generated events in each form, files of ${FILE_EVENTS.toLocaleString('en-US')} events, gzipped; \`ctlake ingest\` with 2 workers, whole processes, a fresh lake each run, the forms interleaved; median of ${String(runs)} runs. "vs Records" = the form's events/s ÷ \`{"Records":[…]}\`'s, measured in this run.`,
  '',
  '| form | median wall | events/s | vs Records | peak RSS | gzip |',
  '|---|---|---|---|---|---|',
  ...FORMS.map((form) => {
    const seconds = wall(form);
    const rss = Math.max(...(results.get(form) ?? []).map((r) => r.rssMb));
    return `| ${form} | ${seconds.toFixed(2)} s | ${Math.round(records.length / seconds).toLocaleString('en-US')} | ${(baseline / seconds).toFixed(2)}× | ${String(rss)} MB | ${((gzipBytes.get(form) ?? 0) / 2 ** 20).toFixed(1)} MiB |`;
  }),
].join('\n');
publishTable('forms-bench', 'RESULTS-forms.md', table);
log('written');
