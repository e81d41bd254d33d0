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

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql.charAt(i);
    let end: number;
    let kind: TokenKind;
    if (c === "'") {
      kind = 'string';
      end = scanQuoted(sql, i, "'");
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
