/** `ctlake compact`: flags → compact() → one summary line. */
import { compact } from '../../maintenance/compact.js';
import { lakeLayout } from '../../lake/layout.js';
import { EXIT_INTERRUPTED, EXIT_OK, onInterrupt } from '../terminal.js';

export async function compactCommand(flags: { lake: string; memory: string }): Promise<number> {
  const interrupt = onInterrupt('finishing the day being written…');
  const started = performance.now();
  try {
    const summary = await compact({
      lakeDir: flags.lake,
      memoryLimit: flags.memory,
      signal: interrupt.signal,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      summary.days === 0 && !summary.interrupted
        ? `compact: nothing to do, every day of ${lakeLayout(flags.lake).root} is one compacted part\n`
        : `compacted: ${String(summary.days)} days, ${String(summary.partsBefore)} parts → ${String(summary.days)}, ${String(summary.rows)} events, ${seconds} s, peak RSS ${String(Math.round(process.resourceUsage().maxRSS / 1024))} MB\n`,
    );
    return summary.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}
