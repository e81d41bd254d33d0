/**
 * CloudTrail records derived from a Sigma rule's `detection`, to test `ctlake detect`'s Sigma
 * engine from outside it: for each rule, records the rule must match and near misses it must
 * not. Nothing here is per rule: the condition is solved for which search identifiers must be
 * true and which false, and field values are built from the Sigma semantics of each modifier
 * (Sigma specification 2.1, ../shared/reference/sigma-rules-spec.md).
 *
 * A small JavaScript evaluator of the same semantics (`sigmaMatches`) is the oracle: every
 * derived record is checked against it, so a derivation that went wrong fails here, not as a
 * supposed engine bug. The SQL engine under src/detect is what the records test; this file
 * shares no code with it on purpose.
 *
 * Everything is deterministic: ids, times and names are derived from the rule's id.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export type Scalar = string | number | boolean | null;
export type CtRecord = Record<string, unknown>;

/** One `field|mod|mod: value(s)` entry of a selection map. */
export interface FieldItem {
  readonly path: string;
  readonly modifiers: readonly string[];
  readonly values: readonly Scalar[];
}

export type Search =
  /** A map (one entry of `maps`) or a list of maps (any of them). */
  | { readonly kind: 'maps'; readonly maps: readonly (readonly FieldItem[])[] }
  /** Plain values searched for anywhere in the record (`|all`: every one). */
  | { readonly kind: 'keywords'; readonly all: boolean; readonly values: readonly Scalar[] };

export type Condition =
  | { readonly op: 'id'; readonly name: string }
  | { readonly op: 'not'; readonly arg: Condition }
  | { readonly op: 'and' | 'or'; readonly args: readonly Condition[] };

export interface SigmaRule {
  readonly id: string;
  readonly title: string;
  readonly file: string;
  readonly searches: ReadonlyMap<string, Search>;
  readonly condition: Condition;
}

const MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'm',
  's',
  'cased',
  'exists',
  'fieldref',
  'cidr',
  'gt',
  'gte',
  'lt',
  'lte',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  );
}

// ---------------------------------------------------------------------------------------------
// Parsing

export function sigmaRuleFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => path.join(dir, name));
}

export function loadSigmaRule(file: string): SigmaRule {
  return parseSigmaRule(readFileSync(file, 'utf8'), file);
}

export function parseSigmaRule(text: string, file: string): SigmaRule {
  const doc: unknown = parse(text);
  if (!isObject(doc)) throw new Error(`${file}: not a YAML mapping`);
  const { id, title, detection } = doc;
  if (typeof id !== 'string' || typeof title !== 'string') {
    throw new Error(`${file}: a rule needs a string id and title`);
  }
  if (!isObject(detection)) throw new Error(`${file}: no detection map`);
  const searches = new Map<string, Search>();
  for (const [name, value] of Object.entries(detection)) {
    if (name === 'condition' || name === 'timeframe') continue;
    searches.set(name, parseSearch(value, `${file}: ${name}`));
  }
  const condition = parseConditions(detection['condition'], searches, file);
  return { id, title, file, searches, condition };
}

function parseSearch(value: unknown, where: string): Search {
  if (Array.isArray(value)) {
    if (value.every(isObject)) {
      return { kind: 'maps', maps: value.map((map) => parseMap(map, where)) };
    }
    if (value.every(isScalar)) return { kind: 'keywords', all: false, values: value };
    throw new Error(`${where}: a list must hold only maps or only values`);
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    // `'|all': [...]`: keywords that must all occur (the spec's only keyed keyword form).
    if (keys.length > 0 && keys.every((key) => key.startsWith('|'))) {
      if (keys.length !== 1 || keys[0] !== '|all')
        throw new Error(`${where}: unknown keyword form`);
      return { kind: 'keywords', all: true, values: scalars(value['|all'], where) };
    }
    return { kind: 'maps', maps: [parseMap(value, where)] };
  }
  if (isScalar(value)) return { kind: 'keywords', all: false, values: [value] };
  throw new Error(`${where}: not a search`);
}

function parseMap(map: Record<string, unknown>, where: string): FieldItem[] {
  return Object.entries(map).map(([key, value]) => {
    const [field = '', ...modifiers] = key.split('|');
    for (const modifier of modifiers) {
      if (!MODIFIERS.has(modifier)) throw new Error(`${where}: unsupported modifier ${modifier}`);
    }
    if (field === '') throw new Error(`${where}: a field name is empty`);
    return { path: field, modifiers, values: scalars(value, `${where}: ${key}`) };
  });
}

function scalars(value: unknown, where: string): Scalar[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every(isScalar)) throw new Error(`${where}: values must be plain values`);
  return list;
}

function parseConditions(
  value: unknown,
  searches: ReadonlyMap<string, Search>,
  file: string,
): Condition {
  // A list of conditions is their disjunction (the spec's Condition section).
  const texts: unknown[] = Array.isArray(value) ? value : [value];
  const parsed = texts.map((text) => {
    if (typeof text !== 'string') throw new Error(`${file}: condition is not a string`);
    return parseCondition(text, searches, file);
  });
  return parsed.length === 1 && parsed[0] !== undefined ? parsed[0] : { op: 'or', args: parsed };
}

export function parseCondition(
  text: string,
  searches: ReadonlyMap<string, Search>,
  file = 'condition',
): Condition {
  if (text.includes('|')) throw new Error(`${file}: aggregations in the condition are refused`);
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${file}: condition "${text}": ${why}`);
  };
  const peek = (): string | undefined => tokens[at]?.toLowerCase();
  // Precedence, least binding first: or, and, not, `x of`, parentheses (the spec's table).
  const orExpr = (): Condition => {
    const args = [andExpr()];
    while (peek() === 'or') {
      at++;
      args.push(andExpr());
    }
    return args.length === 1 && args[0] !== undefined ? args[0] : { op: 'or', args };
  };
  const andExpr = (): Condition => {
    const args = [notExpr()];
    while (peek() === 'and') {
      at++;
      args.push(notExpr());
    }
    return args.length === 1 && args[0] !== undefined ? args[0] : { op: 'and', args };
  };
  const notExpr = (): Condition => {
    if (peek() === 'not') {
      at++;
      return { op: 'not', arg: notExpr() };
    }
    return atom();
  };
  const atom = (): Condition => {
    const token = tokens[at++];
    if (token === undefined) return fail('ends early');
    if (token === '(') {
      const inner = orExpr();
      if (tokens[at++] !== ')') fail('a parenthesis is not closed');
      return inner;
    }
    const lower = token.toLowerCase();
    if ((lower === '1' || lower === 'all' || lower === 'any') && peek() === 'of') {
      at++;
      const pattern = tokens[at++];
      if (pattern === undefined) return fail(`"${token} of" names nothing`);
      const names = identifiersMatching(pattern, searches);
      if (names.length === 0) fail(`"${pattern}" matches no search identifier`);
      const args = names.map((name): Condition => ({ op: 'id', name }));
      return { op: lower === 'all' ? 'and' : 'or', args };
    }
    if (!searches.has(token)) fail(`"${token}" is not a search identifier`);
    return { op: 'id', name: token };
  };
  const result = orExpr();
  if (at !== tokens.length) fail(`unexpected "${tokens[at] ?? ''}"`);
  return result;
}

/** `them` is every identifier not starting with `_`; otherwise `*` matches any run. */
function identifiersMatching(pattern: string, searches: ReadonlyMap<string, Search>): string[] {
  const names = [...searches.keys()];
  if (pattern === 'them') return names.filter((name) => !name.startsWith('_'));
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`);
  return names.filter((name) => re.test(name));
}

/** The identifiers a condition reads, in the order the detection defines them. */
export function conditionIdentifiers(rule: SigmaRule): string[] {
  const used = new Set<string>();
  const walk = (c: Condition): void => {
    if (c.op === 'id') used.add(c.name);
    else if (c.op === 'not') walk(c.arg);
    else c.args.forEach(walk);
  };
  walk(rule.condition);
  return [...rule.searches.keys()].filter((name) => used.has(name));
}

// ---------------------------------------------------------------------------------------------
// Sigma patterns: `*`, `?` and the spec's backslash escapes

type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'one' };

/**
 * `\*`, `\?` and `\\` are the literal character; any other backslash is itself (so `\\*` is a
 * backslash then a wildcard, and `\\\\` two backslashes, as the spec's Escape Character section
 * lists).
 */
function sigmaPattern(value: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') pieces.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    const next = value.charAt(i + 1);
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      text += next;
      i++;
    } else if (c === '*' || c === '?') {
      flush();
      pieces.push({ kind: c === '*' ? 'star' : 'one' });
    } else {
      text += c;
    }
  }
  flush();
  return pieces;
}

type Mode = 'equals' | 'contains' | 'startswith' | 'endswith';

function modeOf(modifiers: ReadonlySet<string>): Mode {
  if (modifiers.has('contains')) return 'contains';
  if (modifiers.has('startswith')) return 'startswith';
  if (modifiers.has('endswith')) return 'endswith';
  return 'equals';
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function patternRegExp(pieces: readonly Piece[], mode: Mode, cased: boolean): RegExp {
  const body = pieces
    .map((p) => (p.kind === 'text' ? escapeRegExp(p.text) : p.kind === 'star' ? '.*' : '.'))
    .join('');
  const head = mode === 'contains' || mode === 'endswith' ? '.*' : '';
  const tail = mode === 'contains' || mode === 'startswith' ? '.*' : '';
  return new RegExp(`^${head}${body}${tail}$`, cased ? 's' : 'is');
}

function materialize(pieces: readonly Piece[], filler: string): string {
  return pieces
    .map((p) => (p.kind === 'text' ? p.text : p.kind === 'star' ? filler : 'x'))
    .join('');
}

/** The longest literal run of a pattern: what a near miss removes from a contains value. */
function literalCore(value: string): string {
  return sigmaPattern(value)
    .map((p) => (p.kind === 'text' ? p.text : ''))
    .reduce((a, b) => (b.length > a.length ? b : a), '');
}

// ---------------------------------------------------------------------------------------------
// The oracle

/**
 * The values at a dotted path. An array met on the way (or at the end) stands for each of its
 * elements, the "any element" reading the engine gives paths through CloudTrail's arrays.
 */
export function valuesAt(record: unknown, dotted: string): unknown[] {
  let current: unknown[] = [record];
  for (const key of dotted.split('.')) {
    const next: unknown[] = [];
    for (const value of current.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]))) {
      if (isObject(value) && key in value) next.push(value[key]);
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
}

/** A field's value as the string Sigma compares; objects compare as their JSON text. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function present(record: unknown, dotted: string): string[] {
  return valuesAt(record, dotted)
    .filter((v) => v !== null && v !== undefined)
    .map(textOf);
}

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

function inCidr(text: string, cidr: string): boolean {
  const [base = '', bits = ''] = cidr.split('/');
  const net = ipv4(base);
  const size = Number(bits);
  if (net === undefined || !Number.isInteger(size) || size < 0 || size > 32) {
    throw new Error(`cidr ${cidr}: only IPv4 networks are supported by this oracle`);
  }
  const ip = ipv4(text);
  if (ip === undefined) return false; // 'AWS Internal', a host name: in no network
  const block = 2 ** (32 - size);
  return Math.floor(ip / block) === Math.floor(net / block);
}

function valueMatches(text: string, value: string | number | boolean, mods: Set<string>): boolean {
  if (mods.has('re')) {
    const flags = ['i', 'm', 's'].filter((f) => mods.has(f)).join('');
    return new RegExp(String(value), flags).test(text);
  }
  if (mods.has('cidr')) return inCidr(text, String(value));
  for (const [mod, cmp] of [
    ['gt', (a: number, b: number) => a > b],
    ['gte', (a: number, b: number) => a >= b],
    ['lt', (a: number, b: number) => a < b],
    ['lte', (a: number, b: number) => a <= b],
  ] as const) {
    if (mods.has(mod)) {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) && cmp(n, Number(value));
    }
  }
  return patternRegExp(sigmaPattern(String(value)), modeOf(mods), mods.has('cased')).test(text);
}

function fieldrefMatches(text: string, other: string, mods: Set<string>): boolean {
  const a = mods.has('cased') ? text : text.toLowerCase();
  const b = mods.has('cased') ? other : other.toLowerCase();
  switch (modeOf(mods)) {
    case 'contains':
      return a.includes(b);
    case 'startswith':
      return a.startsWith(b);
    case 'endswith':
      return a.endsWith(b);
    case 'equals':
      return a === b;
  }
}

/**
 * One map entry. An absent or null field matches only `null` (and `exists: false`); every other
 * comparison on it is false, which `not` then turns true.
 */
export function itemMatches(item: FieldItem, record: unknown): boolean {
  const mods = new Set(item.modifiers);
  const found = present(record, item.path);
  if (mods.has('exists')) {
    const want = item.values[0] === true || String(item.values[0]).toLowerCase() === 'true';
    return found.length > 0 === want;
  }
  const one = (value: Scalar): boolean => {
    if (value === null) return found.length === 0;
    if (mods.has('fieldref')) {
      const others = present(record, String(value));
      return found.some((text) => others.some((other) => fieldrefMatches(text, other, mods)));
    }
    return found.some((text) => valueMatches(text, value, mods));
  };
  return mods.has('all') ? item.values.every(one) : item.values.some(one);
}

function leaves(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (isObject(value)) return Object.values(value).flatMap(leaves);
  return value === null || value === undefined ? [] : [textOf(value)];
}

export function searchMatches(search: Search, record: unknown): boolean {
  if (search.kind === 'maps') {
    return search.maps.some((map) => map.every((item) => itemMatches(item, record)));
  }
  const texts = leaves(record);
  const one = (value: Scalar): boolean => {
    if (value === null) return false;
    const re = patternRegExp(sigmaPattern(String(value)), 'contains', false);
    return texts.some((text) => re.test(text));
  };
  return search.all ? search.values.every(one) : search.values.some(one);
}

export function evaluateCondition(condition: Condition, truth: (name: string) => boolean): boolean {
  switch (condition.op) {
    case 'id':
      return truth(condition.name);
    case 'not':
      return !evaluateCondition(condition.arg, truth);
    case 'and':
      return condition.args.every((c) => evaluateCondition(c, truth));
    case 'or':
      return condition.args.some((c) => evaluateCondition(c, truth));
  }
}

export function searchResults(rule: SigmaRule, record: unknown): Map<string, boolean> {
  return new Map(
    [...rule.searches].map(([name, search]) => [name, searchMatches(search, record)] as const),
  );
}

/** Whether the rule matches the record, by the Sigma specification's semantics. */
export function sigmaMatches(rule: SigmaRule, record: unknown): boolean {
  const results = searchResults(rule, record);
  return evaluateCondition(rule.condition, (name) => results.get(name) === true);
}

// ---------------------------------------------------------------------------------------------
// A string matching a regular expression (the subset rules use: literals, escapes, `.`,
// classes, groups with alternatives, quantifiers, anchors)

export function sampleRegex(source: string, filler: string, flags = ''): string {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`re ${source}: ${why} (not supported by the sample generator)`);
  };
  const classMatcher = (): RegExp => {
    const start = i;
    i++; // [
    if (source[i] === '^') i++;
    if (source[i] === ']') i++;
    while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    if (i >= source.length) fail('unclosed class');
    i++; // ]
    return new RegExp(`^${source.slice(start, i)}$`, flags.replace(/[gy]/g, ''));
  };
  const atom = (): { text: string; any: boolean } => {
    const c = source.charAt(i);
    if (c === '(') {
      i++;
      if (source.startsWith('?:', i)) i += 2;
      else if (source.startsWith('?<', i) && !/^\?<[=!]/.test(source.slice(i))) {
        i = source.indexOf('>', i) + 1;
      } else if (source[i] === '?') fail('lookaround or inline flags');
      const text = alternatives();
      if (source[i] !== ')') fail('unclosed group');
      i++;
      return { text, any: false };
    }
    if (c === '[') {
      const re = classMatcher();
      const pick = ['a', '0', 'A', '-', '_', ' ', '.', '/', ':', '='].find((ch) => re.test(ch));
      return { text: pick ?? fail('no sample character for a class'), any: false };
    }
    if (c === '.') {
      i++;
      return { text: 'a', any: true };
    }
    if (c === '\\') {
      const e = source.charAt(i + 1);
      i += 2;
      const classes: Record<string, string> = { d: '0', w: 'a', s: ' ', D: 'a', W: '-', S: 'a' };
      const controls: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
      if (/[bB]/.test(e)) return { text: '', any: false };
      return { text: classes[e] ?? controls[e] ?? e, any: false };
    }
    if (c === '^' || c === '$') {
      i++;
      return { text: '', any: false };
    }
    i++;
    return { text: c, any: false };
  };
  /** The fewest repetitions a quantifier allows, and whether it allows any number more. */
  const quantifier = (): { min: number; unbounded: boolean } => {
    const c = source[i];
    let q = { min: 1, unbounded: false };
    if (c === '*' || c === '+' || c === '?') {
      i++;
      q = { min: c === '+' ? 1 : 0, unbounded: c !== '?' };
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m === null) return q;
      i += m[0].length;
      q = { min: Number(m[1]), unbounded: m[2] !== undefined };
    } else {
      return q;
    }
    if (source[i] === '?' || source[i] === '+') i++; // lazy or possessive: same sample
    return q;
  };
  const sequence = (): string => {
    let out = '';
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      const a = atom();
      const q = quantifier();
      // `.+` and `.*` stand for "something here": the filler reads better than "aaa".
      if (a.any && q.unbounded) out += filler.padEnd(q.min, 'a');
      else out += a.text.repeat(q.min);
    }
    return out;
  };
  const alternatives = (): string => {
    const first = sequence();
    while (source[i] === '|') {
      i++;
      sequence();
    }
    return first;
  };
  const sample = alternatives();
  if (i !== source.length) fail(`unexpected "${source.charAt(i)}"`);
  if (!new RegExp(source, flags).test(sample)) fail(`the sample "${sample}" does not match`);
  return sample;
}

// ---------------------------------------------------------------------------------------------
// Building records

/** Whose record: matches and near misses are made by different principals in different accounts. */
export interface Principal {
  readonly label: 'match' | 'nearmiss';
  readonly account: string;
}

export const MATCH_PRINCIPAL: Principal = { label: 'match', account: '111122223333' };
export const NEAR_MISS_PRINCIPAL: Principal = { label: 'nearmiss', account: '444455556666' };
export const REGION = 'us-east-1';

/**
 * Top-level and nested CloudTrail fields that hold objects: a string comparison on one reads its
 * JSON text, so a value for it is built as an object whose JSON text holds the string.
 */
const OBJECT_PATHS = new Set([
  'userIdentity',
  'userIdentity.sessionContext',
  'userIdentity.sessionContext.sessionIssuer',
  'userIdentity.sessionContext.attributes',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'serviceEventDetails',
  'tlsDetails',
]);

const ABSENT = Symbol('absent');

/** Where a keyword search's words are put: a field only keywords read. */
const KEYWORD_PATH = 'additionalEventData.ctlakeKeywords';

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function uuidFrom(text: string): string {
  const h = hex(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function getPath(record: CtRecord, dotted: string): unknown {
  let value: unknown = record;
  for (const key of dotted.split('.')) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/**
 * Sets a path, making objects on the way (replacing a null or a string there); ABSENT deletes.
 * An object value for an object field adds its keys (`merge`): a rule's `requestParameters|
 * contains` never drops the field's other keys. A near miss replaces instead.
 */
function setPath(record: CtRecord, dotted: string, value: unknown, merge = true): void {
  const keys = dotted.split('.');
  const last = keys.pop() ?? '';
  let parent: Record<string, unknown> = record;
  for (const key of keys) {
    const next = parent[key];
    if (isObject(next)) {
      parent = next;
    } else {
      if (value === ABSENT) return;
      const made: Record<string, unknown> = {};
      parent[key] = made;
      parent = made;
    }
  }
  if (value === ABSENT) {
    Reflect.deleteProperty(parent, last);
  } else if (merge && isObject(value) && isObject(parent[last])) {
    parent[last] = { ...parent[last], ...value };
  } else {
    parent[last] = value;
  }
}

function lastKey(dotted: string): string {
  return dotted.slice(dotted.lastIndexOf('.') + 1);
}

function isObjectPath(dotted: string): boolean {
  return OBJECT_PATHS.has(dotted);
}

/** A value for a field that only has to be present (and match nothing in particular). */
function fillerFor(dotted: string): unknown {
  const text = `ctlake-${lastKey(dotted)}`;
  return isObjectPath(dotted) ? { ctlakeValue: text } : text;
}

function identity(type: string, who: Principal, user: string): Record<string, unknown> {
  const key = hex(`${who.account}/${user}`).slice(0, 16).toUpperCase();
  if (type === 'Root') {
    return {
      type,
      principalId: who.account,
      arn: `arn:aws:iam::${who.account}:root`,
      accountId: who.account,
      accessKeyId: `ASIA${key}`,
    };
  }
  if (type === 'AssumedRole') {
    const role = `ctlake-role-${who.label}`;
    return {
      type,
      principalId: `AROA${key}:${user}`,
      arn: `arn:aws:sts::${who.account}:assumed-role/${role}/${user}`,
      accountId: who.account,
      accessKeyId: `ASIA${key}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROA${key}`,
          arn: `arn:aws:iam::${who.account}:role/${role}`,
          accountId: who.account,
          userName: role,
        },
        attributes: { creationDate: '2026-03-02T00:00:00Z', mfaAuthenticated: 'false' },
      },
    };
  }
  return {
    type,
    principalId: `AIDA${key}`,
    arn: `arn:aws:iam::${who.account}:user/${user}`,
    accountId: who.account,
    accessKeyId: `AKIA${key}`,
    userName: user,
  };
}

/** A whole CloudTrail record of an ordinary API call, before the rule's fields go over it. */
function baseRecord(rule: SigmaRule, who: Principal, identityType: string): CtRecord {
  const user = `ctlake-${who.label}-${rule.id.slice(0, 8)}`;
  return {
    eventVersion: '1.09',
    userIdentity: identity(identityType, who, user),
    eventTime: '2026-03-02T00:00:00Z', // set per record by `stamp`
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: REGION,
    sourceIPAddress: '198.51.100.23',
    userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023',
    requestParameters: null,
    responseElements: null,
    requestID: '',
    eventID: '',
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: who.account,
    eventCategory: 'Management',
  };
}

/** How one record is built: which identifiers hold, and which alternative each one takes. */
interface Plan {
  readonly truth: ReadonlyMap<string, boolean>;
  /** Per true identifier holding a list of maps: which map (default 0). */
  readonly mapChoice: ReadonlyMap<string, number>;
  /** Per `${identifier}#${item}` of the chosen map: which of a value list (default 0). */
  readonly valueChoice: ReadonlyMap<string, number>;
  /** CloudTrail writes booleans as JSON booleans; a rule compares them as 'true'/'false'. */
  readonly booleans: 'json' | 'string';
  /** Nest deep request/response paths in arrays, as CloudTrail's lists are. */
  readonly arrays: boolean;
}

interface Context {
  readonly who: Principal;
  readonly plan: Plan;
  /** What `*` and `.+` stand for: principal-specific, so a near miss's ARN differs too. */
  readonly filler: string;
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** A value satisfying one item, taking value `choice` of a list (all of them with `|all`). */
function positiveValue(item: FieldItem, choice: number, ctx: Context): unknown {
  const mods = new Set(item.modifiers);
  const first = item.values[0];
  if (mods.has('exists')) {
    const want = first === true || String(first).toLowerCase() === 'true';
    return want ? fillerFor(item.path) : ABSENT;
  }
  const chosen = mods.has('all') ? item.values : [item.values[choice] ?? first ?? null];
  const values = chosen.filter((v): v is string | number | boolean => v !== null);
  if (values.length === 0) return ABSENT; // `null`: the field is absent
  if (mods.has('re')) {
    const flags = ['i', 'm', 's'].filter((f) => mods.has(f)).join('');
    return values.map((v) => sampleRegex(String(v), ctx.filler, flags)).join('');
  }
  if (mods.has('cidr')) {
    const [base = ''] = String(values[0]).split('/');
    const ip = ipv4(base) ?? 0;
    return [24, 16, 8, 0].map((shift) => Math.floor((ip + 1) / 2 ** shift) % 256).join('.');
  }
  const bound = Number(values[0]);
  if (mods.has('gt')) return bound + 1;
  if (mods.has('gte')) return bound;
  if (mods.has('lt')) return bound - 1;
  if (mods.has('lte')) return bound;
  const cores = values.map((v) => materialize(sigmaPattern(String(v)), ctx.filler));
  if (isObjectPath(item.path)) {
    // Each value is a string inside the object; a quoted value ('"Allow"') is the JSON string.
    return Object.fromEntries(cores.map((core, n) => [`ctlakeValue${n + 1}`, unquote(core)]));
  }
  const joined = cores.join(' ');
  switch (modeOf(mods)) {
    case 'contains':
      return `ctlake ${joined} ctlake`;
    case 'startswith':
      return `${joined}-ctlake`;
    case 'endswith':
      return `ctlake-${joined}`;
    case 'equals':
      break;
  }
  const only = values.length === 1 ? values[0] : undefined;
  if (typeof only === 'number' || typeof only === 'boolean') return only;
  if (ctx.plan.booleans === 'json' && /^(true|false)$/i.test(joined)) {
    return joined.toLowerCase() === 'true';
  }
  return joined;
}

/** For a fieldref item: the referencing field's value, from the referenced one's. */
function fieldrefValue(item: FieldItem, referenced: unknown): string {
  const text = textOf(referenced);
  switch (modeOf(new Set(item.modifiers))) {
    case 'contains':
      return `ctlake ${text} ctlake`;
    case 'startswith':
      return `${text}-ctlake`;
    case 'endswith':
      return `ctlake-${text}`;
    case 'equals':
      return text;
  }
}

function allItems(rule: SigmaRule): FieldItem[] {
  return [...rule.searches.values()].flatMap((s) => (s.kind === 'maps' ? s.maps.flat() : []));
}

/** The fields an item reads: its own, and with fieldref the ones it names. */
function itemPaths(item: FieldItem): string[] {
  return item.modifiers.includes('fieldref')
    ? [item.path, ...item.values.map(String)]
    : [item.path];
}

function truthHolds(rule: SigmaRule, plan: Plan, record: CtRecord): boolean {
  const results = searchResults(rule, record);
  return [...plan.truth].every(([name, want]) => results.get(name) === want);
}

interface Built {
  readonly record: CtRecord;
  /** Paths the rule's true identifiers set: a near miss changes one of them. */
  readonly pinned: ReadonlySet<string>;
}

/**
 * One record in which exactly the plan's identifiers hold (the others of the condition do not),
 * or undefined when the rule's fields cannot be made so (`eventSource` both sts and iam).
 */
function build(rule: SigmaRule, plan: Plan, who: Principal): Built | undefined {
  const ctx: Context = { who, plan, filler: `ctlake-${who.label}` };
  const pinned = new Set<string>();
  // 1. What the true identifiers need, field by field.
  const groups = new Map<string, { item: FieldItem; choice: number }[]>();
  const fieldrefs: { item: FieldItem; choice: number }[] = [];
  const keywords: string[] = [];
  for (const [name, want] of plan.truth) {
    const search = rule.searches.get(name);
    if (!want || search === undefined) continue;
    if (search.kind === 'keywords') {
      const chosen = search.all ? search.values : search.values.slice(0, 1);
      keywords.push(...chosen.map((v) => materialize(sigmaPattern(String(v)), ctx.filler)));
      continue;
    }
    const map = search.maps[plan.mapChoice.get(name) ?? 0] ?? [];
    map.forEach((item, n) => {
      const choice = plan.valueChoice.get(`${name}#${String(n)}`) ?? 0;
      if (item.modifiers.includes('fieldref')) {
        fieldrefs.push({ item, choice });
      } else {
        groups.set(item.path, [...(groups.get(item.path) ?? []), { item, choice }]);
      }
    });
  }
  const chosenValues = new Map<string, unknown>();
  for (const [dotted, entries] of groups) {
    const candidates = entries.map(({ item, choice }) => positiveValue(item, choice, ctx));
    const strings = candidates.filter((c): c is string => typeof c === 'string');
    // Several string constraints on one field (startswith A, contains B): one string with all.
    if (strings.length > 1) candidates.push(strings.join(' '));
    const fits = (value: unknown): boolean => {
      const scratch: CtRecord = {};
      setPath(scratch, dotted, value);
      return entries.every(({ item }) => itemMatches(item, scratch));
    };
    const value = candidates.find(fits);
    if (value === undefined) return undefined;
    chosenValues.set(dotted, value);
    pinned.add(dotted);
  }
  // 2. The base record, its identity shaped by the type the rule asks for.
  const type = chosenValues.get('userIdentity.type');
  const record = baseRecord(rule, who, typeof type === 'string' ? type : 'IAMUser');
  for (const [dotted, value] of chosenValues) setPath(record, dotted, value);
  if (keywords.length > 0) {
    setPath(record, KEYWORD_PATH, `ctlake ${keywords.join(' ')} ctlake`);
    pinned.add(KEYWORD_PATH);
  }
  for (const { item, choice } of fieldrefs) {
    const referenced = String(item.values[choice] ?? item.values[0]);
    const current = getPath(record, referenced);
    if (current === undefined || current === null)
      setPath(record, referenced, fillerFor(referenced));
    setPath(record, item.path, fieldrefValue(item, getPath(record, referenced)));
    pinned.add(item.path);
    pinned.add(referenced);
  }
  if (!pinned.has('readOnly')) {
    record['readOnly'] = /^(Get|List|Describe|Head|Lookup|Search)/.test(
      textOf(record['eventName']),
    );
  }
  // 3. False identifiers: a map that holds loses one of its fields (one the rule did not set).
  for (const [name, want] of plan.truth) {
    const search = rule.searches.get(name);
    if (want || search === undefined) continue;
    if (search.kind === 'keywords') {
      if (searchMatches(search, record)) return undefined;
      continue;
    }
    for (const map of search.maps) {
      if (!map.every((item) => itemMatches(item, record))) continue;
      const broken = map.some((item) =>
        itemPaths(item)
          .filter((p) => !pinned.has(p))
          .some((p) => {
            const before = getPath(record, p);
            for (const value of [
              isObjectPath(p) ? { ctlakeValue: 'ctlake-other' } : 'ctlake-other',
              ABSENT,
            ]) {
              setPath(record, p, value);
              if (!itemMatches(item, record)) return true;
            }
            setPath(record, p, before === undefined ? ABSENT : before);
            return false;
          }),
      );
      if (!broken) return undefined;
    }
  }
  // 4. Fields the false identifiers read are given values where they stay false, as a real
  // record has them (a userName beside the ARN it is compared with), rather than left out.
  for (const [name, want] of plan.truth) {
    const search = rule.searches.get(name);
    if (want || search?.kind !== 'maps') continue;
    for (const p of search.maps.flat().flatMap(itemPaths)) {
      const current = getPath(record, p);
      if (pinned.has(p) || (current !== undefined && current !== null)) continue;
      setPath(record, p, fillerFor(p));
      if (!truthHolds(rule, plan, record)) setPath(record, p, current === null ? null : ABSENT);
    }
  }
  if (plan.arrays) nestInArrays(record, pinned, rule);
  if (!truthHolds(rule, plan, record) || !sigmaMatches(rule, record)) return undefined;
  return { record, pinned };
}

const ARRAY_HOLDERS = new Set(['requestParameters', 'responseElements']);

/**
 * CloudTrail's request parameters hold lists of objects (`containerDefinitions[].command[]`):
 * the object under a top-level field is put in an array, and a contains value in one too.
 */
function nestInArrays(record: CtRecord, pinned: ReadonlySet<string>, rule: SigmaRule): void {
  for (const dotted of pinned) {
    const keys = dotted.split('.');
    if (keys.length < 3 || !ARRAY_HOLDERS.has(keys[0] ?? '')) continue;
    const container = keys.slice(0, 2).join('.');
    const inner = getPath(record, container);
    if (isObject(inner)) setPath(record, container, [inner]);
    const containsOnly = allItems(rule)
      .filter((item) => item.path === dotted)
      .every((item) => item.modifiers.includes('contains'));
    const holder = getPath(record, container);
    const leafKey = keys.slice(2).join('.');
    if (containsOnly && Array.isArray(holder)) {
      for (const element of holder) {
        if (!isObject(element)) continue;
        const leaf = getPath(element, leafKey);
        if (typeof leaf === 'string') setPath(element, leafKey, ['ctlake-first', leaf]);
      }
    }
  }
}

function stamp(record: CtRecord, rule: SigmaRule, role: string, second: number): CtRecord {
  const base =
    Date.parse('2026-03-02T00:00:00Z') + (parseInt(hex(rule.id).slice(0, 6), 16) % 1440) * 60_000;
  return {
    ...record,
    eventTime: new Date(base + second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    requestID: uuidFrom(`${rule.id}/${role}/request`),
    eventID: uuidFrom(`${rule.id}/${role}`),
  };
}

// ---------------------------------------------------------------------------------------------
// Cases

export interface DerivedRecord {
  readonly record: CtRecord;
  /** How it was derived: the identifiers that hold, or the one change from the match. */
  readonly note: string;
}

export interface SigmaCase {
  readonly rule: SigmaRule;
  readonly match: CtRecord;
  readonly nearMiss: CtRecord;
  readonly nearMissNote: string;
  /** `match` first, then one per other way to satisfy the condition or other listed value. */
  readonly matches: readonly DerivedRecord[];
  /** `nearMiss` first, then one per field the rule reads that a single change can defeat. */
  readonly nearMisses: readonly DerivedRecord[];
}

function leafCount(a: unknown, b: unknown): number {
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].reduce((n, k) => n + leafCount(a[k], b[k]), 0);
  }
  return JSON.stringify(a) === JSON.stringify(b) ? 0 : 1;
}

function describeTruth(truth: ReadonlyMap<string, boolean>): string {
  const on = [...truth].filter(([, v]) => v).map(([k]) => k);
  const off = [...truth].filter(([, v]) => !v).map(([k]) => k);
  return `holds: ${on.join(', ') || '-'}; fails: ${off.join(', ') || '-'}`;
}

const show = (value: unknown): string => (value === ABSENT ? '(absent)' : JSON.stringify(value));

function keywordValues(rule: SigmaRule): Scalar[] {
  return [...rule.searches.values()].flatMap((s) => (s.kind === 'keywords' ? s.values : []));
}

/** Single changes to one field that may defeat the rule, nearest first. */
function changes(rule: SigmaRule, record: CtRecord, dotted: string, ctx: Context): unknown[] {
  const out: unknown[] = [];
  const current = getPath(record, dotted);
  const items = allItems(rule);
  const cores = items
    .filter((item) => item.path === dotted && !item.modifiers.includes('re'))
    .flatMap((item) => item.values)
    .concat(dotted === KEYWORD_PATH ? keywordValues(rule) : [])
    .map((v) => unquote(literalCore(String(v))))
    .filter((core) => core !== '');
  const stringChanges = (text: string): string[] => [
    `${text}X`,
    `X${text}`,
    // "a contains-value removed": the value without the literal the rule looks for.
    ...cores
      .filter((core) => text.toLowerCase().includes(core.toLowerCase()))
      .map((core) => text.replace(new RegExp(escapeRegExp(core), 'gi'), '')),
  ];
  if (typeof current === 'string') out.push(...stringChanges(current));
  if (typeof current === 'boolean') out.push(!current);
  if (typeof current === 'number') out.push(current + 1);
  if (isObject(current)) {
    for (const [key, leaf] of Object.entries(current)) {
      if (typeof leaf !== 'string') continue;
      for (const changed of stringChanges(leaf)) out.push({ ...current, [key]: changed });
      const without = { ...current };
      Reflect.deleteProperty(without, key);
      out.push(without);
    }
  }
  // The values other selections want here: a near miss may also make a filter hold.
  for (const item of items) {
    if (item.modifiers.includes('fieldref')) {
      if (item.path === dotted) {
        out.push(...item.values.map((v) => fieldrefValue(item, getPath(record, String(v)))));
      } else if (item.values.map(String).includes(dotted)) {
        const own = getPath(record, item.path);
        if (own !== undefined && own !== null) out.push(textOf(own));
      }
    } else if (item.path === dotted) {
      item.values.forEach((_, n) => out.push(positiveValue(item, n, ctx)));
    }
  }
  out.push(isObjectPath(dotted) ? { ctlakeValue: 'ctlake-other' } : 'ctlake-other', ABSENT);
  return out;
}

/** The first single change to `dotted` after which the rule no longer matches. */
function nearMissAt(
  rule: SigmaRule,
  record: CtRecord,
  dotted: string,
  ctx: Context,
): DerivedRecord | undefined {
  const before = getPath(record, dotted);
  for (const value of changes(rule, record, dotted, ctx)) {
    if (JSON.stringify(value) === JSON.stringify(before)) continue;
    const changed = structuredClone(record);
    setPath(changed, dotted, value, false);
    if (!sigmaMatches(rule, changed)) {
      return { record: changed, note: `${dotted}: ${show(before ?? ABSENT)} -> ${show(value)}` };
    }
  }
  return undefined;
}

const DEFAULT_PLAN = {
  mapChoice: new Map<string, number>(),
  valueChoice: new Map<string, number>(),
  booleans: 'json',
  arrays: false,
} as const;

/** Every assignment of the condition's identifiers that makes it true, fewest true first. */
function satisfyingAssignments(rule: SigmaRule): Map<string, boolean>[] {
  const names = conditionIdentifiers(rule);
  if (names.length > 12) throw new Error(`${rule.file}: too many search identifiers to solve`);
  const out: Map<string, boolean>[] = [];
  for (let mask = 0; mask < 2 ** names.length; mask++) {
    const truth = new Map(names.map((name, n) => [name, (mask & (1 << n)) !== 0] as const));
    if (evaluateCondition(rule.condition, (name) => truth.get(name) === true)) out.push(truth);
  }
  const trues = (t: Map<string, boolean>): number => [...t.values()].filter(Boolean).length;
  return out.sort((a, b) => trues(a) - trues(b));
}

/**
 * A rule's match, near miss and their variants. The match is the buildable assignment whose
 * record differs least from an ordinary API call (errorCode left out rather than 'Success');
 * the near miss is made by another principal in another account and changes one field a true
 * selection reads, preferring one with a modifier (the harder comparison), else eventName.
 */
export function deriveCase(rule: SigmaRule): SigmaCase {
  const buildable = satisfyingAssignments(rule)
    .map((truth) => {
      const plan: Plan = { ...DEFAULT_PLAN, truth };
      const built = build(rule, plan, MATCH_PRINCIPAL);
      return built === undefined ? undefined : { plan, built };
    })
    .filter((x) => x !== undefined);
  if (buildable.length === 0) throw new Error(`${rule.file}: no record can satisfy the condition`);
  const distance = (record: CtRecord): number => {
    const type = getPath(record, 'userIdentity.type');
    return leafCount(
      baseRecord(rule, MATCH_PRINCIPAL, typeof type === 'string' ? type : 'IAMUser'),
      record,
    );
  };
  const [primary, ...others] = [...buildable].sort(
    (a, b) => distance(a.built.record) - distance(b.built.record),
  );
  if (primary === undefined) throw new Error('unreachable');
  const matches: DerivedRecord[] = [
    { record: primary.built.record, note: describeTruth(primary.plan.truth) },
    ...others.map(({ plan, built }) => ({ record: built.record, note: describeTruth(plan.truth) })),
  ];
  // Each other alternative of the primary's true identifiers: another map, another listed value.
  const variant = (plan: Plan, note: string): void => {
    const built = build(rule, plan, MATCH_PRINCIPAL);
    if (built === undefined) return;
    const text = JSON.stringify(built.record);
    if (matches.some((m) => JSON.stringify(m.record) === text)) return;
    matches.push({ record: built.record, note });
  };
  for (const [name, want] of primary.plan.truth) {
    const search = rule.searches.get(name);
    if (!want || search?.kind !== 'maps') continue;
    search.maps.forEach((_, m) => {
      if (m > 0)
        variant(
          { ...primary.plan, mapChoice: new Map([[name, m]]) },
          `${name}: map ${String(m + 1)}`,
        );
    });
    (search.maps[0] ?? []).forEach((item, n) => {
      if (item.modifiers.includes('all')) return;
      item.values.forEach((value, k) => {
        if (k === 0) return;
        const valueChoice = new Map([[`${name}#${String(n)}`, k]]);
        variant({ ...primary.plan, valueChoice }, `${item.path}: ${show(value)}`);
      });
    });
  }
  variant({ ...primary.plan, booleans: 'string' }, 'booleans as the strings "true"/"false"');
  variant({ ...primary.plan, arrays: true }, 'deep request/response paths inside arrays');

  const nearBuilt = build(rule, primary.plan, NEAR_MISS_PRINCIPAL);
  if (nearBuilt === undefined) throw new Error(`${rule.file}: the near miss's principal breaks it`);
  const nearCtx: Context = {
    who: NEAR_MISS_PRINCIPAL,
    plan: primary.plan,
    filler: 'ctlake-nearmiss',
  };
  const trueItems = [...primary.plan.truth]
    .filter(([, want]) => want)
    .flatMap(([name]) => {
      const search = rule.searches.get(name);
      return search?.kind === 'maps'
        ? (search.maps[primary.plan.mapChoice.get(name) ?? 0] ?? [])
        : [];
    });
  const rank = (item: FieldItem): number =>
    item.modifiers.some((m) => m !== 'cased') ? 0 : item.path === 'eventName' ? 1 : 2;
  const keywordPaths = nearBuilt.pinned.has(KEYWORD_PATH) ? [KEYWORD_PATH] : [];
  const preferred = [
    ...new Set([
      ...keywordPaths,
      ...[...trueItems].sort((a, b) => rank(a) - rank(b)).flatMap(itemPaths),
    ]),
  ];
  // The near miss proper changes a field a true selection reads; the others, every field read.
  let first: DerivedRecord | undefined;
  for (const dotted of preferred) {
    first ??= nearMissAt(rule, nearBuilt.record, dotted, nearCtx);
  }
  if (first === undefined) throw new Error(`${rule.file}: no single change defeats the match`);
  const nearMisses: DerivedRecord[] = [first];
  for (const dotted of new Set(allItems(rule).flatMap(itemPaths))) {
    const found = nearMissAt(rule, nearBuilt.record, dotted, nearCtx);
    if (found === undefined) continue;
    const text = JSON.stringify(found.record);
    if (nearMisses.some((n) => JSON.stringify(n.record) === text)) continue;
    nearMisses.push(found);
  }

  const stamped = (list: DerivedRecord[], role: string, offset: number): DerivedRecord[] =>
    list.map((d, n) => ({
      record: stamp(d.record, rule, `${role}/${String(n)}`, offset + n),
      note: d.note,
    }));
  const allMatches = stamped(matches, 'match', 0);
  const allNearMisses = stamped(nearMisses, 'nearmiss', 30);
  const match = allMatches[0]?.record ?? {};
  const nearMiss = allNearMisses[0]?.record ?? {};
  return {
    rule,
    match,
    nearMiss,
    nearMissNote: first.note,
    matches: allMatches,
    nearMisses: allNearMisses,
  };
}
