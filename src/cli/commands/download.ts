/** `ctlake download`: flags → download() → one summary line, and one line per object that failed. */
import { download } from '../../source/download.js';
import { EXIT_INPUT_FAILED, EXIT_OK, onInterrupt, say } from '../terminal.js';
import { type S3Flags, s3OptionsOf } from '../s3-flags.js';

export interface DownloadFlags extends S3Flags {
  out: string;
  since?: string;
  until?: string;
  account?: string[];
  region?: string[];
}

export async function downloadCommand(source: string, flags: DownloadFlags): Promise<number> {
  const interrupt = onInterrupt('stopping the download (whole files only are kept)…');
  const started = performance.now();
  try {
    const summary = await download({
      source,
      outDir: flags.out,
      ...(flags.since === undefined ? {} : { since: flags.since }),
      ...(flags.until === undefined ? {} : { until: flags.until }),
      ...(flags.account && flags.account.length > 0 ? { account: flags.account } : {}),
      ...(flags.region && flags.region.length > 0 ? { region: flags.region } : {}),
      s3: s3OptionsOf(flags),
      signal: interrupt.signal,
    });
    for (const f of summary.failures) say(`${f.key}: ${f.reason}`);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `download: ${String(summary.objects)} objects (${String(summary.digests)} digests, signatures saved beside them), ${String(summary.written)} written (${(summary.bytes / 1e6).toFixed(1)} MB), ${String(summary.skipped)} already present, ${String(summary.failures.length)} failed, ${seconds} s\n`,
    );
    return summary.failures.length > 0 ? EXIT_INPUT_FAILED : EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}
