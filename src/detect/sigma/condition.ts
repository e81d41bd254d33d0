/**
 * Sigma conditions (Sigma specification 2.1, "Condition"): search identifiers joined by `and`,
 * `or`, `not` and parentheses, with `1 of`/`all of` over identifier name patterns (`selection_*`)
 * or `them`. Precedence, tightest first: `not`, `and`, `or`. The pipe aggregations of Sigma 1
 * (`| count() > 5`) and `near` are refused: they are correlations, not conditions on one event.
 */

export type Condition =
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly Condition[] }
  | { readonly kind: 'oneOf' | 'allOf'; readonly pattern: string };

export class ConditionError extends Error {
  override readonly name = 'ConditionError';
}

const TOKEN = /\s*(\(|\)|[^\s()]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let at = 0;
  for (;;) {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (match === null) break;
    tokens.push(match[1] ?? '');
    at = TOKEN.lastIndex;
  }
  if (text.slice(at).trim() !== '') {
    throw new ConditionError(`cannot read the condition after "${text.slice(0, at)}"`);
  }
  return tokens;
}

export function parseCondition(text: string): Condition {
  if (text.includes('|')) {
    throw new ConditionError(
      'aggregations in the condition (| count() …) are correlations and are not supported',
    );
  }
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): string | undefined => tokens[at]?.toLowerCase();
  const next = (): string => {
    const token = tokens[at++];
    if (token === undefined) throw new ConditionError(`the condition "${text}" ends too early`);
    return token;
  };

  const primary = (): Condition => {
    const token = next();
    const lower = token.toLowerCase();
    if (token === '(') {
      const inner = or();
      if (next() !== ')') throw new ConditionError(`a "(" is not closed in "${text}"`);
      return inner;
    }
    if (lower === 'not') return { kind: 'not', operand: primary() };
    if (lower === '1' || lower === 'all' || lower === 'any') {
      if (next().toLowerCase() !== 'of') {
        throw new ConditionError(`"${token}" must be followed by "of" in "${text}"`);
      }
      return { kind: lower === 'all' ? 'allOf' : 'oneOf', pattern: next() };
    }
    if (['and', 'or', ')', 'near'].includes(lower)) {
      throw new ConditionError(
        lower === 'near'
          ? 'the "near" operator is a correlation and is not supported'
          : `unexpected "${token}" in "${text}"`,
      );
    }
    return { kind: 'identifier', name: token };
  };
  const and = (): Condition => {
    const operands = [primary()];
    while (peek() === 'and') {
      at++;
      operands.push(primary());
    }
    return operands.length === 1 ? (operands[0] as Condition) : { kind: 'and', operands };
  };
  const or = (): Condition => {
    const operands = [and()];
    while (peek() === 'or') {
      at++;
      operands.push(and());
    }
    return operands.length === 1 ? (operands[0] as Condition) : { kind: 'or', operands };
  };

  const condition = or();
  if (at < tokens.length) {
    throw new ConditionError(`unexpected "${String(tokens[at])}" in "${text}"`);
  }
  return condition;
}

/** The identifiers a `1 of`/`all of` pattern names: `them` is every one not starting with `_`. */
export function identifiersMatching(pattern: string, identifiers: readonly string[]): string[] {
  if (pattern.toLowerCase() === 'them') return identifiers.filter((id) => !id.startsWith('_'));
  const escaped = pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replaceAll('*', '.*');
  const re = new RegExp(`^${escaped}$`);
  return identifiers.filter((id) => re.test(id));
}
