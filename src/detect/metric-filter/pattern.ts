/**
 * CloudWatch Logs JSON filter patterns (`{ $.eventName = "CreateTrail" && $.x NOT EXISTS }`),
 * parsed into a tree. The grammar is AWS's "Filter pattern syntax for metric filters" (CloudWatch
 * Logs user guide, the JSON section): property selectors `$.a.b[0]`, `=` and `!=` with strings,
 * `*` wildcards anywhere in a value and `%regex%` values, numeric `= != < <= > >=` with signs and
 * exponents, `IS NULL|TRUE|FALSE`, `NOT EXISTS`, `&&` binding tighter than `||`, and parentheses.
 * Values may be left unquoted, as AWS's own CIS patterns write them (`$.eventName=CreateTrail`).
 *
 * Space-delimited (`[ip, user, …]`) and plain-term patterns describe text log lines, not JSON
 * events: they are refused, naming the construct.
 */

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** One step of a property selector: a key, or an index into an array. */
export type SelectorStep = { readonly key: string } | { readonly index: number };

export type PatternValue =
  /** Text, with `*` matching any run of characters (case-sensitive). */
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  /** `%…%`: a regular expression that matches anywhere in the value. */
  | { readonly kind: 'regex'; readonly source: string };

export type PatternNode =
  | { readonly kind: 'or' | 'and'; readonly operands: readonly PatternNode[] }
  | {
      readonly kind: 'compare';
      readonly selector: readonly SelectorStep[];
      readonly operator: ComparisonOperator;
      readonly value: PatternValue;
    }
  | {
      readonly kind: 'is';
      readonly selector: readonly SelectorStep[];
      readonly what: 'NULL' | 'TRUE' | 'FALSE';
    }
  | { readonly kind: 'notExists'; readonly selector: readonly SelectorStep[] };

/** A pattern ctlake cannot read; `message` says where and why, for one line. */
export class PatternError extends Error {
  override readonly name = 'PatternError';
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const KEY = /[A-Za-z0-9_-]/;
const OPERATORS: readonly ComparisonOperator[] = ['!=', '<=', '>=', '=', '<', '>'];

class Parser {
  #at = 0;
  constructor(readonly text: string) {}

  fail(reason: string, at = this.#at): never {
    throw new PatternError(`${reason} at character ${String(at + 1)} of the pattern`);
  }

  skipSpace(): void {
    while (/\s/.test(this.text.charAt(this.#at))) this.#at++;
  }

  peek(token: string): boolean {
    this.skipSpace();
    return this.text.startsWith(token, this.#at);
  }

  eat(token: string): boolean {
    if (!this.peek(token)) return false;
    this.#at += token.length;
    return true;
  }

  expect(token: string, what: string): void {
    if (!this.eat(token)) this.fail(`expected ${what}`);
  }

  /** A keyword, in any case, followed by a boundary. */
  eatWord(word: string): boolean {
    this.skipSpace();
    const found = this.text.slice(this.#at, this.#at + word.length);
    if (found.toUpperCase() !== word || KEY.test(this.text.charAt(this.#at + word.length))) {
      return false;
    }
    this.#at += word.length;
    return true;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.#at >= this.text.length;
  }

  pattern(): PatternNode {
    this.skipSpace();
    const first = this.text.charAt(this.#at);
    if (first === '[') {
      this.fail(
        'space-delimited patterns ([field, …]) match text log lines, not JSON events; write { $.field = value }',
      );
    }
    if (first !== '{') {
      this.fail(
        'a term pattern matches text log lines, not JSON events; write { $.field = value }',
      );
    }
    this.#at++;
    const node = this.or();
    this.expect('}', "'}' or a logical operator");
    if (!this.atEnd()) this.fail('unexpected text after the closing }');
    return node;
  }

  or(): PatternNode {
    const operands = [this.and()];
    while (this.eat('||')) operands.push(this.and());
    return operands.length === 1 ? (operands[0] as PatternNode) : { kind: 'or', operands };
  }

  and(): PatternNode {
    const operands = [this.unary()];
    while (this.eat('&&')) operands.push(this.unary());
    return operands.length === 1 ? (operands[0] as PatternNode) : { kind: 'and', operands };
  }

  unary(): PatternNode {
    if (this.eat('(')) {
      const node = this.or();
      this.expect(')', "')'");
      return node;
    }
    return this.condition();
  }

  selector(): SelectorStep[] {
    this.skipSpace();
    if (!this.text.startsWith('$', this.#at)) this.fail('expected a property selector ($.field)');
    this.#at++;
    const steps: SelectorStep[] = [];
    for (;;) {
      const c = this.text.charAt(this.#at);
      if (c === '.') {
        const start = ++this.#at;
        while (KEY.test(this.text.charAt(this.#at))) this.#at++;
        if (this.#at === start) this.fail('expected a property name after "."');
        steps.push({ key: this.text.slice(start, this.#at) });
      } else if (c === '[') {
        const close = this.text.indexOf(']', this.#at);
        const digits = close < 0 ? '' : this.text.slice(this.#at + 1, close);
        if (!/^\d+$/.test(digits)) this.fail('expected an array index such as [0]');
        steps.push({ index: Number(digits) });
        this.#at = close + 1;
      } else break;
    }
    if (steps.length === 0) this.fail('expected a property selector ($.field)');
    return steps;
  }

  condition(): PatternNode {
    const selector = this.selector();
    if (this.eatWord('IS')) {
      if (this.eatWord('NOT')) this.fail('IS NOT is not part of the pattern language (use !=)');
      for (const what of ['NULL', 'TRUE', 'FALSE'] as const) {
        if (this.eatWord(what)) return { kind: 'is', selector, what };
      }
      this.fail('expected NULL, TRUE or FALSE after IS');
    }
    if (this.eatWord('NOT')) {
      if (this.eatWord('EXISTS')) return { kind: 'notExists', selector };
      this.fail('expected EXISTS after NOT');
    }
    if (this.eatWord('EXISTS'))
      this.fail('EXISTS is not part of the pattern language (only NOT EXISTS)');
    const operator = OPERATORS.find((op) => this.eat(op));
    if (operator === undefined) this.fail('expected =, !=, <, <=, >, >=, IS or NOT EXISTS');
    const value = this.value();
    if (value.kind !== 'number' && operator !== '=' && operator !== '!=') {
      this.fail(`${operator} compares numbers; the value here is not one`);
    }
    return { kind: 'compare', selector, operator, value };
  }

  value(): PatternValue {
    this.skipSpace();
    const start = this.#at;
    const c = this.text.charAt(start);
    if (c === '"') {
      let text = '';
      for (let i = start + 1; i < this.text.length; i++) {
        const ch = this.text.charAt(i);
        if (ch === '\\' && i + 1 < this.text.length) {
          text += this.text.charAt(++i);
          continue;
        }
        if (ch === '"') {
          this.#at = i + 1;
          return { kind: 'string', text };
        }
        text += ch;
      }
      this.fail('unterminated "string"', start);
    }
    if (c === '%') {
      const close = this.text.indexOf('%', start + 1);
      if (close < 0) this.fail('unterminated %regex%', start);
      this.#at = close + 1;
      const source = this.text.slice(start + 1, close);
      if (source === '') this.fail('empty %regex%', start);
      return { kind: 'regex', source };
    }
    let end = start;
    while (end < this.text.length) {
      const ch = this.text.charAt(end);
      if (/\s/.test(ch) || ch === ')' || ch === '}' || ch === '(') break;
      if (this.text.startsWith('&&', end) || this.text.startsWith('||', end)) break;
      end++;
    }
    if (end === start) this.fail('expected a value');
    const text = this.text.slice(start, end);
    this.#at = end;
    return NUMBER.test(text)
      ? { kind: 'number', value: Number(text), text }
      : { kind: 'string', text };
  }
}

/** Parses a property selector alone (`$.a.b[0]`), as a metric value names one. */
export function parseSelector(text: string): SelectorStep[] {
  const parser = new Parser(text);
  const selector = parser.selector();
  if (!parser.atEnd()) parser.fail('unexpected text after the selector');
  return selector;
}

/** Parses a JSON filter pattern; throws PatternError naming the place and the reason. */
export function parsePattern(text: string): PatternNode {
  return new Parser(text).pattern();
}
