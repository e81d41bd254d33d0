/** `ctlake report`: flags → report() → one HTML page (default report.html), Markdown or JSON. */
import { report } from '../../report/build-report.js';
import { renderReport, type ReportFormat } from '../../report/render-report.js';
import { EXIT_OK, onInterrupt, runCost, writeResult } from '../terminal.js';

export interface ReportFlags {
  lake: string;
  since?: string;
  until?: string;
  format: ReportFormat;
  out?: string;
  title?: string;
}

const DEFAULT_OUT: Record<ReportFormat, string> = {
  html: 'report.html',
  md: 'report.md',
  json: 'report.json',
};

export async function reportCommand(flags: ReportFlags): Promise<number> {
  const interrupt = onInterrupt('stopping the report…');
  const started = performance.now();
  // `--out -` writes to stdout (Markdown and JSON pipe well); the default is a file.
  const out = flags.out ?? DEFAULT_OUT[flags.format];
  try {
    const result = await report({
      lakeDir: flags.lake,
      ...(flags.since === undefined ? {} : { since: flags.since }),
      ...(flags.until === undefined ? {} : { until: flags.until }),
      ...(flags.title === undefined ? {} : { title: flags.title }),
      // Progress for a person watching; a log or a pipe gets the summary line only.
      ...(process.stderr.isTTY
        ? {
            onStep: (step: string, index: number, steps: number) => {
              process.stderr.write(`report: ${String(index)}/${String(steps)} ${step}…\n`);
            },
          }
        : {}),
      signal: interrupt.signal,
    });
    const text = renderReport(result, flags.format);
    await writeResult(text, out === '-' ? undefined : out);
    const s = result.summary;
    process.stderr.write(
      `report: ${out === '-' ? 'stdout' : out} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KB): ${s.events.toLocaleString('en-US')} events, ${result.findings.items.length.toLocaleString('en-US')} findings, ${String(result.investigations.length)} investigations, ${runCost(started)}\n`,
    );
    return EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}
