/**
 * An investigation as one JSON object (the output contract), its timeline last and
 * written as it streams from the lake, so that an entity with millions of events in scope goes
 * out in bounded memory (as one string it exceeded what V8 can hold: "Invalid string length").
 */
import type { Writable } from 'node:stream';
import { writeText } from '../query/out-stream.js';
import type { Investigation, TimelineEvent } from './investigation.js';

/** How the timeline reaches the writer: each chunk in order, through `each`. */
export type TimelineSource = (
  each: (events: readonly TimelineEvent[]) => Promise<void>,
) => Promise<void>;

export async function writeInvestigationJson(
  inv: Investigation,
  out: Writable,
  timeline: TimelineSource,
): Promise<void> {
  // The object with an empty timeline as its last key, laid out as JSON.stringify(…, null, 2)
  // lays it out; the events go in where its `[]` is, the last one of the text.
  const rest = Object.fromEntries(Object.entries(inv).filter(([key]) => key !== 'timeline'));
  const whole = JSON.stringify({ ...rest, timeline: [] }, null, 2);
  const open = whole.lastIndexOf('[]');
  await writeText(out, whole.slice(0, open + 1));
  let written = 0;
  await timeline(async (events) => {
    let text = '';
    for (const event of events) {
      text += `${written === 0 ? '' : ','}\n    ${JSON.stringify(event, null, 2).replaceAll('\n', '\n    ')}`;
      written++;
    }
    await writeText(out, text);
  });
  await writeText(out, `${written === 0 ? '' : '\n  '}${whole.slice(open + 1)}\n`);
}
