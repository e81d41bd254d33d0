/**
 * An investigation as one self-contained HTML page (document.ts: inline CSS, no request
 * anywhere, log text escaped), readable without JavaScript and printable, with
 * its timeline's first HTML_TIMELINE_LIMIT events.
 */
import { documentHtml } from '../text/document.js';
import type { Investigation } from './investigation.js';
import { investigationBlocks } from './investigation-blocks.js';

/** Timeline events a page holds; `--format json` has them all. */
export const HTML_TIMELINE_LIMIT = 10_000;

export function investigationHtml(inv: Investigation): string {
  return documentHtml({
    title: `ctlake investigation: ${inv.entity.kind} ${inv.entity.id}`,
    subtitle: `Scope ${inv.scope.since} to ${inv.scope.until}; baseline ${inv.baseline.since} to ${inv.baseline.until}.`,
    sections: [
      {
        id: 'profile',
        title: 'Profile and timeline',
        blocks: investigationBlocks(
          inv,
          { rest: '--format json lists the 1,000 most used' },
          {
            title:
              inv.timeline.length < inv.totals.events
                ? `Timeline (first ${String(inv.timeline.length)} of ${String(inv.totals.events)} events)`
                : `Timeline (${String(inv.timeline.length)} events)`,
            events: inv.timeline,
            total: inv.totals.events,
            rest: 'ctlake investigate --format json lists every event',
          },
        ),
      },
    ],
  });
}
