/**
 * Rewrites what CloudTrail Lake users paste but no SQL parser accepts:
 * - the event data store after FROM or JOIN, in every form it is published or shown in:
 *   a bare store ID (UUID-like, may start with a digit), `$EDS_ID`, `${EDS_ID}`, and angle-bracket
 *   placeholders (`<EDS ID>`, `<event-data-store-ID>`, `<event_data_store_id>`,
 *   `<Event data store Id>`) — all mean the `cloudtrail` view;
 * - `${name}` template parameters (`eventTime >= '${date_filter}'` in AWS's samples), which become
 *   DuckDB named parameters (`$name`), bound at execution, never spliced into the text.
 */
import { EVENT_TABLE_NAME } from '../../schema/event-schema.js';
import { tokenize } from './sql-lexer.js';

export const EVENT_TABLE = EVENT_TABLE_NAME;

const STORE_REFERENCE = new RegExp(
  [
    String.raw`<[^<>'";\n]{1,80}>`,
    String.raw`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`,
    String.raw`[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}(?![A-Za-z0-9-])`,
  ]
    .map((p) => `(?:${p})`)
    .join('|'),
  'y',
);
const TEMPLATE_PARAMETER = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const BARE_TEMPLATE_PARAMETER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/y;

export interface LakeRewrite {
  readonly sql: string;
  /** Names of the `${name}` parameters found, in order of first use. */
  readonly parameters: readonly string[];
}

export function rewriteLakeReferences(sql: string): LakeRewrite {
  const parameters: string[] = [];
  const use = (name: string): string => {
    if (!parameters.includes(name)) parameters.push(name);
    return `$${name}`;
  };
  let out = '';
  let expectStore = false;
  let at = 0;
  for (const token of tokenize(sql)) {
    if (token.start < at) continue; // consumed by a multi-token match below
    if (expectStore && token.kind !== 'space' && token.kind !== 'comment') {
      expectStore = false;
      STORE_REFERENCE.lastIndex = token.start;
      const store = STORE_REFERENCE.exec(sql);
      if (store) {
        out += EVENT_TABLE;
        at = token.start + store[0].length;
        continue;
      }
    }
    if (token.kind === 'word' && /^(from|join)$/i.test(token.text)) expectStore = true;
    let text = token.text;
    let length = token.text.length;
    if (token.kind === 'string') {
      const template = TEMPLATE_PARAMETER.exec(token.text.slice(1, -1));
      if (template?.[1]) text = use(template[1]);
    } else if (token.kind === 'other' && token.text === '$') {
      BARE_TEMPLATE_PARAMETER.lastIndex = token.start;
      const bare = BARE_TEMPLATE_PARAMETER.exec(sql);
      if (bare?.[1]) {
        text = use(bare[1]);
        length = bare[0].length;
      }
    }
    out += text;
    at = token.start + length;
  }
  return { sql: out, parameters };
}
