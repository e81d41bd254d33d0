/**
 * Text from a log, made safe to print for a person. Anyone who can make an API call chooses its
 * user agent, object keys, session names and error text; printed raw, `ESC[2J` clears the
 * analyst's screen, an OSC sequence sets the window title, a line break forges a line of
 * output, and a right-to-left override reorders what is read. Every control character (C0, DEL,
 * C1) and every invisible formatting character (bidirectional overrides and isolates, zero-width
 * characters, the line and paragraph separators) is shown as a visible escape instead: `\x1b`,
 * `\n`, `\u202e`. Everything else is kept as it is.
 */

const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control and invisible formatting character shown as an escape. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escape);
}
