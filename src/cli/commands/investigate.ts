/** `ctlake investigate`: flags → investigate() → table, JSON or an HTML page. */
import { UsageError } from '../../errors.js';
import type { EntityKind } from '../../investigate/entity.js';
import { investigate, streamTimeline } from '../../investigate/investigate.js';
import { HTML_TIMELINE_LIMIT, investigationHtml } from '../../investigate/render-html.js';
import { writeInvestigationJson } from '../../investigate/render-json.js';
import { investigationText, TIMELINE_PAGE } from '../../investigate/render-text.js';
import { EXIT_OK, onInterrupt, runCost, writeResult, writeStreamedResult } from '../terminal.js';

export interface InvestigateFlags {
  lake: string;
  kind?: EntityKind;
  since?: string;
  until?: string;
  baselineDays: number;
  format: 'table' | 'json' | 'html';
  out?: string;
  page: number;
  findings: boolean;
  detect?: boolean;
}

export async function investigateCommand(entity: string, flags: InvestigateFlags): Promise<number> {
  if (flags.format === 'html' && flags.out === undefined) {
    throw new UsageError('--format html writes a page: give --out FILE.html');
  }
  const interrupt = onInterrupt('stopping the investigation…');
  const started = performance.now();
  try {
    const result = await investigate({
      entity,
      lakeDir: flags.lake,
      ...(flags.kind === undefined ? {} : { kind: flags.kind }),
      ...(flags.since === undefined ? {} : { since: flags.since }),
      ...(flags.until === undefined ? {} : { until: flags.until }),
      baselineDays: flags.baselineDays,
      findings: flags.findings,
      detect: flags.detect === true,
      ...(flags.format === 'table'
        ? { timelinePage: { page: flags.page, size: TIMELINE_PAGE } }
        : flags.format === 'html'
          ? { timelinePage: { page: 1, size: HTML_TIMELINE_LIMIT } }
          : { withTimeline: false }),
      signal: interrupt.signal,
    });
    if (flags.format === 'json') {
      const source = { lakeDir: flags.lake, signal: interrupt.signal };
      await writeStreamedResult(flags.out, (out) =>
        writeInvestigationJson(result, out, (each) => streamTimeline(result, source, each)),
      );
    } else {
      await writeResult(
        flags.format === 'html' ? investigationHtml(result) : investigationText(result, flags.page),
        flags.out,
      );
    }
    process.stderr.write(
      `investigate: ${String(result.totals.events)} events in scope, ${result.findingsFrom === 'unsaved' ? 'findings not looked up (no saved detect run covers the scope)' : `${String(result.findings.length)} findings`}, ${runCost(started)}\n`,
    );
    return EXIT_OK;
  } finally {
    interrupt.dispose();
  }
}
