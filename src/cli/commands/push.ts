/** `ctlake push`: flags → push() → one summary line. */
import { push } from '../../scale/push.js';
import { terminalSafe } from '../../text/terminal-safe.js';
import { type S3Flags, s3OptionsOf } from '../s3-flags.js';
import { EXIT_OK, onInterrupt } from '../terminal.js';

export interface PushFlags extends S3Flags {
  lake: string;
  concurrency: number;
}

export async function pushCommand(destination: string, flags: PushFlags): Promise<number> {
  const interrupt = onInterrupt(
    'stopping the push (the parts already up stay; push again to resume)…',
  );
  const started = performance.now();
  try {
    const summary = await push({
      lakeDir: flags.lake,
      destination,
      s3: s3OptionsOf(flags),
      concurrency: flags.concurrency,
      signal: interrupt.signal,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      terminalSafe(
        `pushed: ${String(summary.parts)} parts (${String(summary.events)} events) under ${destination}: ${String(summary.uploaded)} uploaded (${(summary.uploadedBytes / 1e6).toFixed(1)} MB), ${String(summary.alreadyThere)} already there, ${String(summary.removed)} no longer in the lake deleted; manifest ${summary.manifest}, ${seconds} s`,
      ) + '\n',
    );
    return EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}
