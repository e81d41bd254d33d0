/**
 * The ingest progress bar (stderr, TTY only) and the one-line summary.
 */
import cliProgress from 'cli-progress';
import type { IngestProgress, IngestSummary } from '../ingest/ingest.js';

const MB = 1024 * 1024;

export class IngestProgressBar {
  readonly #bar: cliProgress.SingleBar;
  readonly #started = performance.now();
  #active = false;

  constructor() {
    this.#bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format:
          '{bar} {percentage}% | {value}/{total} objects | {events} events | {rate} MB/s | ETA {eta_formatted}',
        etaBuffer: 20,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(objects: number): void {
    if (objects === 0) return;
    this.#bar.start(objects, 0, { events: 0, rate: '0.0' });
    this.#active = true;
  }

  update(p: IngestProgress): void {
    if (!this.#active) return;
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = seconds > 0 ? (p.decodedBytes / MB / seconds).toFixed(1) : '0.0';
    this.#bar.update(p.objectsDone, { events: p.events.toLocaleString('en-US'), rate });
  }

  stop(): void {
    if (this.#active) this.#bar.stop();
    this.#active = false;
  }
}

export function summaryLine(s: IngestSummary, peakRssBytes?: number): string {
  const rate = s.seconds > 0 ? Math.round(s.events / s.seconds) : 0;
  const parts = [
    `${s.objectsDone} objects`,
    `${s.events} events`,
    `${(s.bytesDone / MB).toFixed(1)} MB read (${(s.decodedBytes / MB).toFixed(1)} MB JSON)`,
    `${s.errors} errors`,
    `${s.seconds.toFixed(1)} s`,
    `${rate} events/s`,
    ...(peakRssBytes === undefined ? [] : [`peak RSS ${Math.round(peakRssBytes / MB)} MB`]),
  ];
  const extra: string[] = [];
  if (s.unchanged > 0) extra.push(`${s.unchanged} already in the lake`);
  if (s.digests > 0) extra.push(`${s.digests} digest files skipped`);
  if (s.otherShards > 0) extra.push(`${s.otherShards} objects left to other shards`);
  if (s.replaced > 0) extra.push(`${s.replaced} changed objects re-read, their old rows replaced`);
  const head = s.interrupted ? 'ingest interrupted' : 'ingested';
  return `${head}: ${parts.join(', ')}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}
