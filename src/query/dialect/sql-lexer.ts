/**
 * Just enough of a SQL lexer to edit query text safely before DuckDB's parser sees it: it tells
 * string literals, quoted identifiers and comments apart from the rest, so that edits (event data
 * store placeholders, `${name}` parameters) never touch text inside them.
 */

export type TokenKind = 'string' | 'quoted' | 'comment' | 'word' | 'space' | 'other';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_$]/;

function scanQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const at = sql.indexOf(quote, i);
    if (at < 0) return sql.length;
    if (sql[at + 1] === quote) {
      i = at + 2;
      continue;
    }
    return at + 1;
  }
}

/** `E'…'`: a backslash escapes the next character, a quote included (`E'it\'s'`). */
function scanEscaped(sql: string, start: number): number {
  for (let i = start + 2; i < sql.length; i++) {
    const c = sql.charAt(i);
    if (c === '\\') i++;
    else if (c === "'") {
      if (sql.charAt(i + 1) !== "'") return i + 1;
      i++;
    }
  }
  return sql.length;
}

/** A dollar-quote opener (`$$`, `$tag$`) at `at`; a `$name` parameter has no closing `$`. */
const DOLLAR_QUOTE = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql.charAt(i);
    let end: number;
    let kind: TokenKind;
    DOLLAR_QUOTE.lastIndex = i;
    const dollar = c === '$' ? DOLLAR_QUOTE.exec(sql) : null;
    if (c === "'") {
      kind = 'string';
      end = scanQuoted(sql, i, "'");
    } else if ((c === 'E' || c === 'e') && sql.charAt(i + 1) === "'") {
      kind = 'string';
      end = scanEscaped(sql, i);
    } else if (dollar !== null) {
      kind = 'string';
      const close = sql.indexOf(dollar[0], i + dollar[0].length);
      end = close < 0 ? sql.length : close + dollar[0].length;
    } else if (c === '"') {
      kind = 'quoted';
      end = scanQuoted(sql, i, '"');
    } else if (c === '-' && sql[i + 1] === '-') {
      kind = 'comment';
      const nl = sql.indexOf('\n', i);
      end = nl < 0 ? sql.length : nl;
    } else if (c === '/' && sql[i + 1] === '*') {
      kind = 'comment';
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (/\s/.test(c)) {
      kind = 'space';
      end = i + 1;
      while (end < sql.length && /\s/.test(sql.charAt(end))) end++;
    } else if (WORD_START.test(c)) {
      kind = 'word';
      end = i + 1;
      while (end < sql.length && WORD_PART.test(sql.charAt(end))) end++;
    } else {
      kind = 'other';
      end = i + 1;
    }
    tokens.push({ kind, text: sql.slice(i, end), start: i });
    i = end;
  }
  return tokens;
}

/** The leading keyword of each statement in the text (split at top-level semicolons). */
export function statementKeywords(sql: string): string[] {
  const keywords: string[] = [];
  let current = '';
  let sawSomething = false;
  for (const token of tokenize(sql)) {
    if (token.kind === 'other' && token.text === ';') {
      if (sawSomething) keywords.push(current);
      current = '';
      sawSomething = false;
      continue;
    }
    if (token.kind === 'space' || token.kind === 'comment') continue;
    if (!sawSomething) {
      sawSomething = true;
      current = token.kind === 'word' ? token.text.toUpperCase() : '';
    }
  }
  if (sawSomething) keywords.push(current);
  return keywords;
}
