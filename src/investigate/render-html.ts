/**
 * An investigation as one self-contained HTML page (document.ts: inline CSS, no request
 * anywhere, log text escaped), readable without JavaScript and printable, with its whole
 * timeline.
 */
import { documentHtml } from '../text/document.js';
import type { Investigation } from './investigation.js';
import { investigationBlocks } from './investigation-blocks.js';

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
          { title: `Timeline (${String(inv.timeline.length)} events)`, events: inv.timeline },
        ),
      },
    ],
  });
}
