/**
 * A Sigma detection (Sigma specification 2.1) compiled to one SQL condition over the lake's
 * `cloudtrail` view, so that every rule of every pack is a column of one scan instead of a scan
 * of its own. Every value from a rule is a bound `${name}` parameter, never SQL text.
 *
 * Semantics:
 * - A selection map: every field matches (AND); a list of maps: any map (OR); a list of plain
 *   values: keywords, each searched for anywhere in the record's JSON.
 * - A field with a list of values matches any one (`|all`: every one).
 * - Strings match case-insensitively unless `|cased`; `*` is any run and `?` any one character,
 *   `\*`, `\?` and `\\` their literal selves; `contains`/`startswith`/`endswith` add the
 *   wildcards; `re` is an RE2 regular expression found anywhere (`|i`, `|m`, `|s` flags).
 * - `null` matches an absent or null field; a comparison on an absent field is false, and stays
 *   false under `not` (as pySigma's SQL backends do with COALESCE), so `not filter` holds for an
 *   event without the filter's field.
 */
import { fieldValue, type BindParameter, type FieldValue } from '../event-fields.js';
import { type Condition, identifiersMatching, parseCondition } from './condition.js';

export interface CompiledDetection {
  readonly condition: string;
  readonly params: Readonly<Record<string, string>>;
  /**
   * Patterns (JavaScript regular expressions, matched case-insensitively) one of which every
   * matching event's name fits, when the detection implies it (null: any name may match). The
   * runner resolves them against the names the lake holds and reads only those events for the
   * rule, instead of testing its condition on every event of the lake.
   */
  readonly eventNames: readonly string[] | null;
}

type NameSet = ReadonlySet<string> | null;

/** A Sigma value with `*`/`?` wildcards and `\\` escapes as a regular expression source. */
function wildcardRegex(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const next = value[i + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      out += `\\${next}`;
      i++;
    } else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

/** The event-name patterns a search identifier requires (null: none implied). */
function identifierNames(body: unknown): NameSet {
  const isMap = (item: unknown): item is Record<string, unknown> =>
    item !== null && typeof item === 'object' && !Array.isArray(item);
  const mapNames = (map: Record<string, unknown>): NameSet => {
    for (const [key, values] of Object.entries(map)) {
      const [field, ...mods] = key.split('|');
      if (field !== 'eventName') continue;
      const modifiers = mods.filter((m) => m.toLowerCase() !== 'cased').map((m) => m.toLowerCase());
      const list = Array.isArray(values) ? (values as unknown[]) : [values];
      if (list.length === 0 || !list.every((v) => typeof v === 'string')) continue;
      const [modifier, ...more] = modifiers;
      if (more.length > 0) continue;
      const sources = list.map((v) => {
        switch (modifier) {
          case undefined:
            return `^${wildcardRegex(v)}$`;
          case 'startswith':
            return `^${wildcardRegex(v)}`;
          case 'endswith':
            return `${wildcardRegex(v)}$`;
          case 'contains':
            return wildcardRegex(v);
          case 're':
            return v;
          default:
            return undefined;
        }
      });
      if (sources.every((x): x is string => x !== undefined)) return new Set(sources);
    }
    return null;
  };
  if (isMap(body)) return mapNames(body);
  if (Array.isArray(body) && body.length > 0 && body.every(isMap)) {
    return unionNames(body.map(mapNames));
  }
  return null;
}

function unionNames(sets: readonly NameSet[]): NameSet {
  if (sets.some((set) => set === null)) return null;
  return new Set(sets.flatMap((set) => [...(set as ReadonlySet<string>)]));
}

/** Every operand must hold: any one's patterns will do; the fewest are the most selective. */
function intersectNames(sets: readonly NameSet[]): NameSet {
  const known = sets.filter((set): set is ReadonlySet<string> => set !== null);
  if (known.length === 0) return null;
  return known.reduce((a, b) => (b.size < a.size ? b : a));
}

function conditionNames(condition: Condition, names: ReadonlyMap<string, NameSet>): NameSet {
  switch (condition.kind) {
    case 'identifier':
      return names.get(condition.name) ?? null;
    case 'not':
      return null;
    case 'and':
      return intersectNames(condition.operands.map((c) => conditionNames(c, names)));
    case 'or':
      return unionNames(condition.operands.map((c) => conditionNames(c, names)));
    case 'oneOf':
    case 'allOf': {
      const sets = identifiersMatching(condition.pattern, [...names.keys()]).map(
        (n) => names.get(n) ?? null,
      );
      return condition.kind === 'oneOf' ? unionNames(sets) : intersectNames(sets);
    }
    default:
      return condition satisfies never;
  }
}

/** Why a rule cannot be compiled; the rule loader reports it with the rule's file and line. */
export class SigmaError extends Error {
  override readonly name = 'SigmaError';
  /** Where in `detection` the problem is (`['selection', 'eventName|base64']`), when known. */
  readonly at: readonly string[] | undefined;

  constructor(message: string, at?: readonly string[]) {
    super(message);
    this.at = at;
  }
}

/** Runs `work`, placing a SigmaError it throws at `at` unless it is placed already. */
function placed<T>(at: readonly string[], work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof SigmaError && error.at === undefined) {
      throw new SigmaError(error.message, at);
    }
    throw error;
  }
}

const UNSUPPORTED_MODIFIERS = new Set([
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  'expand',
]);

const KNOWN_MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'm',
  's',
  'cidr',
  'exists',
  'cased',
  'fieldref',
  'gt',
  'gte',
  'lt',
  'lte',
]);

type Scalar = string | number | boolean | null;

const ASCII = /^[\x20-\x7e]*$/;

/** A piece of a Sigma value: a character (its escape undone) or a wildcard. */
type SigmaPiece = { readonly literal: string } | { readonly wildcard: '*' | '?' };

/** A Sigma string read by its rules: `*` and `?` are wildcards, `\` escapes `*`, `?` and itself. */
function sigmaPieces(value: string): SigmaPiece[] {
  const pieces: SigmaPiece[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const next = value[i + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      pieces.push({ literal: next });
      i++;
    } else if (c === '*' || c === '?') pieces.push({ wildcard: c });
    else pieces.push({ literal: c });
  }
  return pieces;
}

/** A Sigma value's text when it holds no wildcard, its escapes undone; else undefined. */
function sigmaLiteral(value: string): string | undefined {
  let out = '';
  for (const piece of sigmaPieces(value)) {
    if ('wildcard' in piece) return undefined;
    out += piece.literal;
  }
  return out;
}

/** A Sigma string with `*`/`?` wildcards and `\` escapes as a LIKE pattern escaped by `\`. */
function likePattern(value: string): string {
  return sigmaPieces(value)
    .map((piece) =>
      'wildcard' in piece
        ? piece.wildcard === '*'
          ? '%'
          : '_'
        : piece.literal === '\\' || piece.literal === '%' || piece.literal === '_'
          ? `\\${piece.literal}`
          : piece.literal,
    )
    .join('');
}

/** The inclusive range of an IPv4 CIDR block as 32-bit numbers. */
function ipv4Range(cidr: string): [number, number] {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (match === null) {
    throw new SigmaError(
      cidr.includes(':')
        ? `cidr ${cidr}: IPv6 ranges are not supported`
        : `cidr ${cidr} is not an IPv4 range`,
    );
  }
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new SigmaError(`cidr ${cidr} is not valid`);
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const low = Math.floor(address / size) * size;
  return [low, low + size - 1];
}

/** An IPv4 address in dotted form as a number, NULL for anything else. */
const ipv4Number = (x: string): string =>
  `CASE WHEN regexp_full_match(${x}, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN ` +
  `TRY_CAST(split_part(${x}, '.', 1) AS BIGINT) * 16777216 + TRY_CAST(split_part(${x}, '.', 2) AS BIGINT) * 65536 + ` +
  `TRY_CAST(split_part(${x}, '.', 3) AS BIGINT) * 256 + TRY_CAST(split_part(${x}, '.', 4) AS BIGINT) END`;

class Compiler {
  readonly params: Record<string, string> = {};
  #next = 0;

  constructor(readonly prefix: string) {}

  readonly bind: BindParameter = (value) => {
    const name = `${this.prefix}${String(++this.#next)}`;
    this.params[name] = value;
    return `\${${name}}`;
  };

  /** `predicate` applied to a field's value: to the value, or to any element of a list. */
  anyValue(field: FieldValue, predicate: (x: string) => string): string {
    switch (field.kind) {
      case 'scalar':
        return `coalesce(${predicate(field.sql)}, false)`;
      case 'list':
        return `coalesce(len(list_filter(${field.sql}, v -> ${predicate('v')})) > 0, false)`;
      case 'mapValue':
        return `coalesce(CASE WHEN starts_with(${field.sql}, '[') THEN len(list_filter(${field.elements}, v -> ${predicate('v')})) > 0 ELSE ${predicate(field.sql)} END, false)`;
      default:
        return field satisfies never;
    }
  }

  valuePredicate(value: Scalar, modifiers: ReadonlySet<string>, field: FieldValue): string {
    if (value === null) {
      return field.kind === 'list' ? `(len(${field.sql}) = 0)` : `(${field.sql} IS NULL)`;
    }
    if (modifiers.has('exists')) {
      if (typeof value !== 'boolean') throw new SigmaError('|exists takes true or false');
      const present =
        field.kind === 'list' ? `(len(${field.sql}) > 0)` : `(${field.sql} IS NOT NULL)`;
      return value ? present : `(NOT ${present})`;
    }
    const text = String(value);
    if (modifiers.has('fieldref')) {
      const other = fieldValue(text, this.bind);
      const equal = (x: string, y: string): string =>
        modifiers.has('cased') ? `${x} = ${y}` : `lower(${x}) = lower(${y})`;
      return this.anyValue(field, (x) =>
        other.kind === 'scalar'
          ? equal(x, other.sql)
          : `len(list_filter(${other.kind === 'list' ? other.sql : other.elements}, o -> ${equal(x, 'o')})) > 0`,
      );
    }
    if (modifiers.has('re')) {
      const flags = ['i', 'm', 's'].filter((f) => modifiers.has(f)).join('');
      const pattern = this.bind(flags === '' ? text : `(?${flags})${text}`);
      return this.anyValue(field, (x) => `regexp_matches(${x}, ${pattern})`);
    }
    if (modifiers.has('cidr')) {
      const [low, high] = ipv4Range(text);
      const lo = this.bind(String(low));
      const hi = this.bind(String(high));
      return this.anyValue(
        field,
        (x) => `(${ipv4Number(x)}) BETWEEN CAST(${lo} AS BIGINT) AND CAST(${hi} AS BIGINT)`,
      );
    }
    for (const [modifier, operator] of [
      ['gt', '>'],
      ['gte', '>='],
      ['lt', '<'],
      ['lte', '<='],
    ] as const) {
      if (modifiers.has(modifier)) {
        if (!Number.isFinite(Number(text))) throw new SigmaError(`|${modifier} takes a number`);
        const number = this.bind(text);
        return this.anyValue(
          field,
          (x) => `TRY_CAST(${x} AS DOUBLE) ${operator} CAST(${number} AS DOUBLE)`,
        );
      }
    }
    const literal = sigmaLiteral(text);
    if (literal !== undefined && !modifiers.has('cased') && ASCII.test(literal)) {
      // Case-insensitive matching of a value without wildcards, spelled as a comparison of
      // lower-cased text: DuckDB runs ILIKE on each row's text (about twice the time of
      // lower() and a comparison on the nested userIdentity fields, which are not dictionary
      // encoded), and a rule pack tests tens of millions of rows. ASCII only, where lower()
      // and ILIKE's folding agree by definition.
      const bound = this.bind(literal.toLowerCase());
      const test = modifiers.has('contains')
        ? 'contains'
        : modifiers.has('startswith')
          ? 'starts_with'
          : modifiers.has('endswith')
            ? 'ends_with'
            : undefined;
      return this.anyValue(field, (x) =>
        test === undefined ? `lower(${x}) = ${bound}` : `${test}(lower(${x}), ${bound})`,
      );
    }
    let pattern = likePattern(text);
    if (modifiers.has('contains')) pattern = `%${pattern}%`;
    else if (modifiers.has('startswith')) pattern = `${pattern}%`;
    else if (modifiers.has('endswith')) pattern = `%${pattern}`;
    const like = modifiers.has('cased') ? 'LIKE' : 'ILIKE';
    const bound = this.bind(pattern);
    return this.anyValue(field, (x) => `${x} ${like} ${bound} ESCAPE '\\'`);
  }

  fieldCondition(key: string, values: unknown): string {
    const [path = '', ...mods] = key.split('|');
    const modifiers = new Set(mods.map((m) => m.toLowerCase()));
    for (const modifier of modifiers) {
      if (UNSUPPORTED_MODIFIERS.has(modifier)) {
        throw new SigmaError(`the modifier |${modifier} is not supported (field ${path})`);
      }
      if (!KNOWN_MODIFIERS.has(modifier)) {
        throw new SigmaError(`the modifier |${modifier} is not known (field ${path})`);
      }
    }
    if (path === '') throw new SigmaError(`a field name is missing in "${key}"`);
    const field = fieldValue(path, this.bind);
    const list = Array.isArray(values) ? (values as unknown[]) : [values];
    if (list.length === 0) throw new SigmaError(`the field ${path} has an empty list of values`);
    const predicates = list.map((value) => {
      if (value !== null && typeof value === 'object') {
        throw new SigmaError(`the field ${path} has a value that is not a string or number`);
      }
      return this.valuePredicate(value as Scalar, modifiers, field);
    });
    if (predicates.length === 1) return predicates[0] as string;
    return `(${predicates.join(modifiers.has('all') ? ' AND ' : ' OR ')})`;
  }

  keyword(value: unknown): string {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new SigmaError('a keyword list may hold only strings and numbers');
    }
    const bound = this.bind(`%${likePattern(String(value))}%`);
    return `coalesce("eventJson" ILIKE ${bound} ESCAPE '\\', false)`;
  }

  /** `'|all': [a, b]`: keywords that must all occur in the record. */
  allKeywords(name: string, values: unknown): string {
    if (!Array.isArray(values) || values.length === 0) {
      throw new SigmaError(`the keywords of ${name} with |all must be a non-empty list`);
    }
    return `(${values.map((value) => this.keyword(value)).join(' AND ')})`;
  }

  searchIdentifier(name: string, body: unknown): string {
    if (Array.isArray(body)) {
      if (body.length === 0) throw new SigmaError(`the search identifier ${name} is empty`);
      const isMap = (item: unknown): boolean =>
        item !== null && typeof item === 'object' && !Array.isArray(item);
      if (body.every(isMap)) {
        return `(${body.map((item) => this.selection(name, item as Record<string, unknown>)).join(' OR ')})`;
      }
      if (body.some(isMap)) {
        throw new SigmaError(`the search identifier ${name} mixes maps and keywords`);
      }
      return `(${body.map((item) => this.keyword(item)).join(' OR ')})`;
    }
    if (body !== null && typeof body === 'object') {
      return this.selection(name, body as Record<string, unknown>);
    }
    if (typeof body === 'string' || typeof body === 'number') return this.keyword(body);
    throw new SigmaError(`the search identifier ${name} is empty`);
  }

  selection(name: string, map: Record<string, unknown>): string {
    const entries = Object.entries(map);
    if (entries.length === 0) throw new SigmaError(`the search identifier ${name} is empty`);
    const parts = entries.map(([key, values]) =>
      placed([name, key], () =>
        key === '|all' ? this.allKeywords(name, values) : this.fieldCondition(key, values),
      ),
    );
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' AND ')})`;
  }
}

function conditionSql(condition: Condition, identifiers: ReadonlyMap<string, string>): string {
  switch (condition.kind) {
    case 'identifier': {
      const sql = identifiers.get(condition.name);
      if (sql === undefined) {
        throw new SigmaError(`the condition names ${condition.name}, which is not defined`);
      }
      return sql;
    }
    case 'not':
      return `(NOT ${conditionSql(condition.operand, identifiers)})`;
    case 'and':
    case 'or':
      return `(${condition.operands.map((c) => conditionSql(c, identifiers)).join(` ${condition.kind.toUpperCase()} `)})`;
    case 'oneOf':
    case 'allOf': {
      const names = identifiersMatching(condition.pattern, [...identifiers.keys()]);
      if (names.length === 0) {
        throw new SigmaError(`"${condition.pattern}" in the condition names no search identifier`);
      }
      const sqls = names.map((n) => identifiers.get(n) as string);
      return `(${sqls.join(condition.kind === 'oneOf' ? ' OR ' : ' AND ')})`;
    }
    default:
      return condition satisfies never;
  }
}

/**
 * `detection` is the rule's `detection` map (search identifiers and `condition`); `prefix`
 * names its parameters, unique per rule in a query.
 */
export function compileDetection(
  detection: Readonly<Record<string, unknown>>,
  prefix: string,
): CompiledDetection {
  const compiler = new Compiler(prefix);
  const identifiers = new Map<string, string>();
  const identifierNameSets = new Map<string, NameSet>();
  for (const [name, body] of Object.entries(detection)) {
    if (name === 'condition' || name === 'timeframe') continue;
    identifiers.set(
      name,
      placed([name], () => compiler.searchIdentifier(name, body)),
    );
    identifierNameSets.set(name, identifierNames(body));
  }
  const raw = detection['condition'];
  const texts = Array.isArray(raw) ? raw : [raw];
  if (texts.length === 0 || texts.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new SigmaError('the detection has no condition', ['condition']);
  }
  const nameSets: NameSet[] = [];
  const parts = (texts as string[]).map((text) => {
    try {
      const parsed = parseCondition(text);
      nameSets.push(conditionNames(parsed, identifierNameSets));
      return conditionSql(parsed, identifiers);
    } catch (error) {
      if (error instanceof SigmaError) throw error;
      throw new SigmaError((error as Error).message, ['condition']);
    }
  });
  const eventNames = unionNames(nameSets);
  const condition = parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
  // Identifiers the condition does not use are still checked, but bind nothing.
  const params = Object.fromEntries(
    Object.entries(compiler.params).filter(([name]) => condition.includes(`\${${name}}`)),
  );
  return { condition, params, eventNames: eventNames === null ? null : [...eventNames].sort() };
}
