/**
 * The derivation of test events from Sigma rules (test/util/sigma-events.ts): its oracle read
 * against the Sigma specification's own examples, and for every rule of the built-in `sigma`
 * pack a match the oracle accepts and near misses it refuses. The SQL engine is tested with
 * these records in test/e2e/sigma-pack.test.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../util/cli.js';
import {
  type CtRecord,
  deriveCase,
  loadSigmaRule,
  parseSigmaRule,
  sampleRegex,
  sigmaMatches,
  sigmaRuleFiles,
} from '../util/sigma-events.js';

const SIGMA_DIR = path.join(REPO_ROOT, 'rules', 'sigma');
const files = sigmaRuleFiles(SIGMA_DIR);

function rule(detection: string): ReturnType<typeof parseSigmaRule> {
  const text = `title: t\nid: 00000000-0000-4000-8000-000000000000\ndetection:\n${detection}`;
  return parseSigmaRule(text, 'inline.yml');
}

const REQUIRED_FIELDS = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'requestParameters',
  'responseElements',
  'requestID',
  'eventID',
  'readOnly',
  'eventType',
  'managementEvent',
  'recipientAccountId',
  'eventCategory',
];

function principalOf(record: CtRecord): unknown {
  const identity = record['userIdentity'];
  return typeof identity === 'object' && identity !== null
    ? (identity as Record<string, unknown>)['arn']
    : undefined;
}

describe('the Sigma oracle', () => {
  it.each([
    // [detection, record, expected]
    ['  sel:\n    eventName: DeleteBucket\n  condition: sel', { eventName: 'deletebucket' }, true],
    [
      '  sel:\n    eventName: DeleteBucket\n  condition: sel',
      { eventName: 'DeleteBucketX' },
      false,
    ],
    ['  sel:\n    eventName: Delete*\n  condition: sel', { eventName: 'DeleteBucket' }, true],
    ['  sel:\n    eventName: Delete?ucket\n  condition: sel', { eventName: 'DeleteBucket' }, true],
    ['  sel:\n    eventName: Delete?ucket\n  condition: sel', { eventName: 'Deleteucket' }, false],
    // `\*` is a literal star; `\\*` a backslash and then a wildcard (the spec's escape table).
    ["  sel:\n    a: 'x\\*'\n  condition: sel", { a: 'x*' }, true],
    ["  sel:\n    a: 'x\\*'\n  condition: sel", { a: 'xy' }, false],
    ["  sel:\n    a: 'x\\\\*'\n  condition: sel", { a: 'x\\yz' }, true],
    ["  sel:\n    a|contains: 'b'\n  condition: sel", { a: 'aBc' }, true],
    ["  sel:\n    a|contains|cased: 'b'\n  condition: sel", { a: 'aBc' }, false],
    ["  sel:\n    a|startswith: 'ab'\n  condition: sel", { a: 'abc' }, true],
    ["  sel:\n    a|endswith: 'ab'\n  condition: sel", { a: 'abc' }, false],
    ['  sel:\n    a|contains|all: [x, y]\n  condition: sel', { a: 'y x' }, true],
    ['  sel:\n    a|contains|all: [x, y]\n  condition: sel', { a: 'x' }, false],
    ['  sel:\n    a: [x, y]\n  condition: sel', { a: 'y' }, true],
    // `re` is case-sensitive unless `|i`, and found anywhere.
    ["  sel:\n    a|re: 'b+c'\n  condition: sel", { a: 'abbcd' }, true],
    ["  sel:\n    a|re: 'B'\n  condition: sel", { a: 'abc' }, false],
    ["  sel:\n    a|re|i: 'B'\n  condition: sel", { a: 'abc' }, true],
    // null: absent or null; any other comparison on an absent field is false, and `not` of it true.
    ['  sel:\n    a: null\n  condition: sel', {}, true],
    ['  sel:\n    a: null\n  condition: sel', { a: null }, true],
    ['  sel:\n    a: null\n  condition: sel', { a: '' }, false],
    ["  sel:\n    a: ''\n  condition: sel", {}, false],
    ['  f:\n    a: x\n  condition: not f', {}, true],
    ["  f:\n    a|contains: '*'\n  condition: not f", { a: 'anything' }, false],
    ["  f:\n    a|contains: '*'\n  condition: not f", {}, true],
    ['  sel:\n    a|exists: true\n  condition: sel', { a: 'v' }, true],
    ['  sel:\n    a|exists: false\n  condition: sel', { a: 'v' }, false],
    // Dotted fields are nested objects; an object compared as a string is its JSON text.
    ['  sel:\n    a.b.c: v\n  condition: sel', { a: { b: { c: 'v' } } }, true],
    ['  sel:\n    a|contains: \'"v"\'\n  condition: sel', { a: { b: 'v' } }, true],
    ['  sel:\n    a.b: v\n  condition: sel', { a: [{ b: 'w' }, { b: 'v' }] }, true],
    ['  sel:\n    a|fieldref: b\n  condition: sel', { a: 'Same', b: 'same' }, true],
    ['  sel:\n    a|fieldref: b\n  condition: sel', { a: 'one', b: 'two' }, false],
    ['  sel:\n    a|fieldref: b\n  condition: sel', { a: 'one' }, false],
    ["  sel:\n    a|cidr: '10.0.0.0/8'\n  condition: sel", { a: '10.2.3.4' }, true],
    ['  sel:\n    a|gt: 5\n  condition: sel', { a: 6 }, true],
    // A list of maps is any map; precedence: or < and < not.
    ['  sel:\n    - a: x\n    - b: y\n  condition: sel', { b: 'y' }, true],
    [
      '  s1:\n    a: x\n  s2:\n    b: y\n  s3:\n    c: z\n  condition: s1 or s2 and s3',
      { a: 'x' },
      true,
    ],
    [
      '  s1:\n    a: x\n  s2:\n    b: y\n  s3:\n    c: z\n  condition: (s1 or s2) and s3',
      { a: 'x' },
      false,
    ],
    ['  s1:\n    a: x\n  s2:\n    b: y\n  condition: not s1 and s2', { b: 'y' }, true],
    ['  s_1:\n    a: x\n  s_2:\n    b: y\n  condition: 1 of s_*', { b: 'y' }, true],
    ['  s_1:\n    a: x\n  s_2:\n    b: y\n  condition: all of s_*', { b: 'y' }, false],
    ['  s1:\n    a: x\n  _s2:\n    b: y\n  condition: all of them', { a: 'x' }, true],
    ['  kw:\n    - evil\n  condition: kw', { a: { b: 'so EVIL here' } }, true],
    ["  kw:\n    '|all': [evil, good]\n  condition: kw", { a: 'evil' }, false],
  ] as const)('%s on %j is %s', (detection, record, expected) => {
    expect(sigmaMatches(rule(detection), record)).toBe(expected);
  });

  it('refuses aggregations and unknown modifiers', () => {
    expect(() => rule('  sel:\n    a: x\n  condition: sel | count() > 5')).toThrow(/aggregation/);
    expect(() => rule('  sel:\n    a|base64: x\n  condition: sel')).toThrow(/base64/);
  });

  it.each([
    '  kw:\n    - needle\n  condition: kw',
    "  kw:\n    '|all': [needle, thread]\n  condition: kw",
    "  sel:\n    sourceIPAddress|cidr: '10.0.0.0/8'\n  condition: sel",
    '  sel:\n    requestParameters.count|gt: 5\n  condition: sel',
    '  sel:\n    errorCode|exists: true\n  f:\n    errorMessage|exists: true\n  condition: sel and not f',
    '  sel:\n    - eventName: A\n    - userAgent|endswith: B\n  condition: sel',
    '  s1:\n    eventName: A\n  _s2:\n    errorCode: X\n  condition: all of them',
    "  sel:\n    userAgent|contains|all: ['x\\*', 'y?']\n  condition: sel",
  ])('derives a match and near misses for constructs the pack does not use: %s', (detection) => {
    const c = deriveCase(rule(detection));
    expect(c.matches.every(({ record }) => sigmaMatches(c.rule, record))).toBe(true);
    expect(c.nearMisses.some(({ record }) => sigmaMatches(c.rule, record))).toBe(false);
  });

  it('samples strings for the regular expressions rules use', () => {
    for (const source of ['.+:assumed-role/aws:.+', '^a[0-9]{3}(x|y)\\.b$', '[^a]+z?']) {
      expect(new RegExp(source).test(sampleRegex(source, 'fill'))).toBe(true);
    }
  });
});

describe('events derived from the sigma pack', () => {
  it('reads the 57 vendored CloudTrail rules', () => {
    expect(files).toHaveLength(57);
  });

  const cases = files.map((file) => deriveCase(loadSigmaRule(file)));

  it.each(cases.map((c) => [path.basename(c.rule.file), c] as const))(
    '%s: the match matches and the near misses do not',
    (_, c) => {
      expect(sigmaMatches(c.rule, c.match)).toBe(true);
      expect(sigmaMatches(c.rule, c.nearMiss)).toBe(false);
      for (const { record, note } of c.matches) {
        expect(sigmaMatches(c.rule, record), note).toBe(true);
      }
      for (const { record, note } of c.nearMisses) {
        expect(sigmaMatches(c.rule, record), note).toBe(false);
        expect(principalOf(record), note).not.toBe(principalOf(c.match));
        expect(record['recipientAccountId']).not.toBe(c.match['recipientAccountId']);
      }
      for (const { record } of [...c.matches, ...c.nearMisses]) {
        for (const field of REQUIRED_FIELDS) expect(record).toHaveProperty([field]);
      }
    },
  );

  it('gives every record its own eventID, the same on every run', () => {
    const ids = cases.flatMap((c) =>
      [...c.matches, ...c.nearMisses].map((d) => d.record['eventID']),
    );
    expect(new Set(ids).size).toBe(ids.length);
    const again = files.map((file) => deriveCase(loadSigmaRule(file)));
    expect(JSON.stringify(again)).toBe(JSON.stringify(cases));
  });
});
