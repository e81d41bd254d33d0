/** `ctlake merge`: flags → merge() → one summary line. */
import { merge } from '../../scale/merge.js';
import { lakeLayout } from '../../lake/layout.js';
import { terminalSafe } from '../../text/terminal-safe.js';
import { EXIT_OK, onInterrupt } from '../terminal.js';

export async function mergeCommand(sources: string[], flags: { lake: string }): Promise<number> {
  const interrupt = onInterrupt('stopping the merge (nothing is merged)…');
  const started = performance.now();
  let summary;
  try {
    summary = await merge({ sources, lakeDir: flags.lake, signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const copied = summary.copied > 0 ? ` (${String(summary.copied)} copied across filesystems)` : '';
  process.stderr.write(
    terminalSafe(
      `merged: ${String(summary.lakes)} lakes into ${lakeLayout(flags.lake).root}: ${String(summary.objects)} objects, ${String(summary.events)} events, ${String(summary.parts)} parts${copied}, ${seconds} s`,
    ) + '\n',
  );
  return EXIT_OK;
}
