/**
 * An investigation for a terminal: each panel as a small table, values new in scope marked
 * `NEW`, the timeline a page at a time (`--page`; JSON has it whole). Every value comes from the
 * logs and is shown inert (document.ts).
 */
import { blocksText } from '../text/document.js';
import type { Investigation } from './investigation.js';
import { investigationBlocks } from './investigation-blocks.js';

export const TIMELINE_PAGE = 100;

export function investigationText(inv: Investigation, page = 1): string {
  const paged = inv.timelinePage;
  const pages = paged?.pages ?? Math.max(1, Math.ceil(inv.timeline.length / TIMELINE_PAGE));
  const p = paged?.page ?? Math.min(Math.max(1, page), pages);
  const events = paged
    ? inv.timeline
    : inv.timeline.slice((p - 1) * TIMELINE_PAGE, p * TIMELINE_PAGE);
  return blocksText(
    investigationBlocks(
      inv,
      { rest: '--format json lists the 1,000 most used' },
      {
        title: `Timeline, page ${String(p)} of ${String(pages)} (${String(inv.totals.events)} events; --page N for another, --format json for all)`,
        events,
      },
    ),
  );
}
