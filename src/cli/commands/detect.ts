/**
 * `ctlake detect`: flags → detect() → findings on stdout (or --out), rules that could not run on
 * stderr, and an exit status a CI gate can use: 3 when --fail-on is given and a finding reaches
 * it, else 1 when a rule or alarm could not run, else 0.
 */
import type { FindingFormat } from '../../defaults.js';
import { UsageError } from '../../errors.js';
import { detect, reaches, readCloudWatchFiles } from '../../detect/detect.js';
import type { Severity } from '../../detect/finding.js';
import { formatFindings } from '../../detect/finding-formats.js';
import { packageVersion } from '../../util/package-files.js';
import { EXIT_INPUT_FAILED, EXIT_OK, onInterrupt, runCost, say, writeResult } from '../terminal.js';

/** A CI gate's failure: a finding at or above --fail-on. */
export const EXIT_FINDINGS = 3;

export interface DetectFlags {
  lake: string;
  pack?: string[];
  rules?: string[];
  metricFilters?: string;
  alarms?: string;
  since?: string;
  until?: string;
  learningDays?: number;
  format: FindingFormat;
  out?: string;
  failOn?: Severity;
}

export async function detectCommand(flags: DetectFlags): Promise<number> {
  if ((flags.metricFilters === undefined) !== (flags.alarms === undefined)) {
    throw new UsageError('give --metric-filters and --alarms together');
  }
  const cloudWatch =
    flags.metricFilters !== undefined && flags.alarms !== undefined
      ? readCloudWatchFiles(flags.metricFilters, flags.alarms)
      : undefined;
  const interrupt = onInterrupt('stopping the detection…');
  const started = performance.now();
  try {
    const result = await detect({
      lakeDir: flags.lake,
      ...(flags.pack === undefined ? {} : { packs: flags.pack }),
      ...(flags.rules === undefined ? {} : { rules: flags.rules }),
      ...(cloudWatch === undefined
        ? {}
        : { metricFilters: cloudWatch.metricFilters, alarms: cloudWatch.alarms }),
      ...(flags.since === undefined ? {} : { since: flags.since }),
      ...(flags.until === undefined ? {} : { until: flags.until }),
      ...(flags.learningDays === undefined ? {} : { learningDays: flags.learningDays }),
      signal: interrupt.signal,
    });
    const skipped = [...(cloudWatch?.skipped ?? []), ...result.skipped];
    for (const s of skipped) {
      say(`rule not run: ${s.file}${s.rule === undefined ? '' : ` (${s.rule})`}: ${s.reason}`);
    }
    const text = formatFindings(result.findings, flags.format, {
      version: packageVersion(),
      colour: flags.format === 'table' && flags.out === undefined && process.stdout.isTTY,
    });
    await writeResult(text, flags.out);
    process.stderr.write(
      `detect: ${String(result.rulesRun)} rules, ${String(result.findings.length)} findings, ${runCost(started)}\n`,
    );
    if (flags.failOn !== undefined && reaches(result.findings, flags.failOn)) return EXIT_FINDINGS;
    return skipped.length > 0 ? EXIT_INPUT_FAILED : EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}
