/**
 * What the CLI says on stderr and how it ends: one `ctlake:` line per message, every one of them
 * shown inert (file names, keys and reasons may come from the input), the exit statuses, and
 * Ctrl-C handling.
 */
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { writeOutFile } from '../query/out-stream.js';
import { UsageError, errnoReason } from '../errors.js';
import { terminalSafe } from '../text/terminal-safe.js';

export const EXIT_OK = 0;
/** Some input could not be read, or the work failed; everything readable was committed. */
export const EXIT_INPUT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/**
 * One line on stderr, `ctlake: ` first. The text may hold file names, S3 keys and messages taken
 * from the input: they are shown inert (terminal-safe.ts), so no name can clear the screen or
 * forge a line of its own.
 */
export function say(text: string): void {
  process.stderr.write(`ctlake: ${terminalSafe(text)}\n`);
}

/** Ctrl-C and SIGTERM abort the signal (once, saying `message`) until `dispose` is called. */
export function onInterrupt(message: string): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: the user will not wait. Committed work is safe and the rest is redone
      // by the next run, as after kill -9. The default action of the signal ends the process at
      // once (status 130 for SIGINT); process.exit would first tear down worker threads still
      // inside DuckDB, which aborts with a native stack.
      say('interrupted again, exiting now');
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.kill(process.pid, signal);
      return;
    }
    process.stderr.write('\n');
    say(`interrupted, ${message}`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** A command's result on stdout, or in the `--out` file; a file that cannot be written is one line. */
export async function writeResult(text: string, out: string | undefined): Promise<void> {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  await writeFile(out, text).catch((error: unknown) => {
    throw new UsageError(`cannot write --out ${out}: ${errnoReason(error)}`, { cause: error });
  });
}

/**
 * A result too large to hold as one string, written piece by piece to stdout or the `--out` file
 * (opened first, so a wrong path is one line before any work); a failed write leaves no partial
 * file that could pass for a whole one.
 */
export async function writeStreamedResult(
  outFile: string | undefined,
  write: (out: Writable) => Promise<void>,
): Promise<void> {
  await (outFile === undefined ? write(process.stdout) : writeOutFile(outFile, write));
}

/** `N.N s, peak RSS M MB`: how the analyst commands end their summary line. */
export function runCost(started: number): string {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  return `${seconds} s, peak RSS ${String(Math.round(process.resourceUsage().maxRSS / 1024))} MB`;
}
