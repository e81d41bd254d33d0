/**
 * `ctlake verify`: flags → verify() → text or JSON on stdout (or --out), and an exit status a
 * CI gate or an examiner's script can use: 0 when everything checked holds, 1 when anything is
 * invalid, missing or not covered, 2 for a usage error.
 */
import { verify } from '../../verify/verify.js';
import { verificationJson, verificationText } from '../../verify/verify-text.js';
import { EXIT_INPUT_FAILED, EXIT_OK, onInterrupt, runCost, writeResult } from '../terminal.js';
import { type S3Flags, s3OptionsOf } from '../s3-flags.js';

export interface VerifyFlags extends S3Flags {
  publicKeys?: string[];
  lake?: string;
  since?: string;
  until?: string;
  account?: string[];
  region?: string[];
  format: 'text' | 'json';
  out?: string;
}

export async function verifyCommand(sources: string[], flags: VerifyFlags): Promise<number> {
  const interrupt = onInterrupt('stopping the verification…');
  const started = performance.now();
  try {
    const result = await verify({
      sources,
      ...(flags.publicKeys === undefined ? {} : { publicKeys: flags.publicKeys }),
      ...(flags.lake === undefined ? {} : { lakeDir: flags.lake }),
      ...(flags.since === undefined ? {} : { since: flags.since }),
      ...(flags.until === undefined ? {} : { until: flags.until }),
      ...(flags.account && flags.account.length > 0 ? { accounts: flags.account } : {}),
      ...(flags.region && flags.region.length > 0 ? { regions: flags.region } : {}),
      s3: s3OptionsOf(flags),
      signal: interrupt.signal,
    });
    const text = flags.format === 'json' ? verificationJson(result) : verificationText(result);
    await writeResult(text, flags.out);
    process.stderr.write(
      `verify: ${result.ok ? 'all valid' : 'PROBLEMS FOUND'}, ${runCost(started)}\n`,
    );
    return result.ok ? EXIT_OK : EXIT_INPUT_FAILED;
  } finally {
    interrupt.dispose();
  }
}
