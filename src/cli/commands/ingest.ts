/** `ctlake ingest`: flags → ingest() → progress, one line per bad object, the summary. */
import { ingest } from '../../ingest/ingest.js';
import type { Shard } from '../../source/object-shard.js';
import { IngestProgressBar, summaryLine } from '../progress.js';
import { type S3Flags, s3OptionsOf } from '../s3-flags.js';
import { EXIT_INPUT_FAILED, EXIT_INTERRUPTED, EXIT_OK, onInterrupt, say } from '../terminal.js';

export interface IngestFlags extends S3Flags {
  lake: string;
  workers: number;
  workerMemory: string;
  quiet?: boolean;
  since?: string;
  until?: string;
  account: string[];
  region: string[];
  shard?: Shard;
}

export async function ingestCommand(sources: string[], flags: IngestFlags): Promise<number> {
  const interrupt = onInterrupt('stopping workers and committing what is done…');
  const bar = process.stderr.isTTY && !flags.quiet ? new IngestProgressBar() : undefined;
  try {
    const summary = await ingest({
      sources,
      select: flags,
      shard: flags.shard,
      s3: s3OptionsOf(flags),
      lakeDir: flags.lake,
      workers: flags.workers,
      workerMemoryLimit: flags.workerMemory,
      signal: interrupt.signal,
      onPlanned: (plan) => bar?.start(plan.todo),
      onProgress: (p) => bar?.update(p),
      onObjectError: (uri, reason) => {
        bar?.stop();
        say(`${uri}: ${reason}`);
      },
      onListingProblem: ({ place, reason }) => {
        say(`${place}: ${reason}`);
      },
    }).catch((error: unknown) => {
      // Interrupted while the sources were still being listed: nothing was started.
      if (interrupt.signal.aborted && error instanceof Error && error.name === 'AbortError') {
        return undefined;
      }
      throw error;
    });
    if (summary === undefined) return EXIT_INTERRUPTED;
    bar?.stop();
    // maxRSS covers the worker threads too: they live in this process.
    process.stderr.write(summaryLine(summary, process.resourceUsage().maxRSS * 1024) + '\n');
    if (summary.interrupted) return EXIT_INTERRUPTED;
    return summary.errors > 0 ? EXIT_INPUT_FAILED : EXIT_OK;
  } finally {
    bar?.stop();
    interrupt.dispose();
  }
}
