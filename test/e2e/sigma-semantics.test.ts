/**
 * The Sigma semantics of `ctlake detect`, one feature per rule: small hand-written rules
 * (modifiers, wildcards and their escapes, null/absent/'', keywords, lists of maps, condition
 * operators and precedence, `x of`, paths through CloudTrail's arrays) run by `detect()` over a
 * real lake. Each rule carries hand-written records with the verdict Sigma gives them; the
 * records derived from the rule by test/util/sigma-events.ts are added, and for every rule and
 * every record in the lake the engine's verdict must equal the JS oracle's (`sigmaMatches`),
 * which shares no code with the SQL engine under test.
 *
 * Beside them, rules the engine must refuse (an aggregation, a correlation, `|base64`, another
 * logsource, broken YAML) are listed in `skipped` with file, line and reason, and the others
 * still run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detect, type DetectResult } from '../../src/detect/detect.js';
import { ingest } from '../../src/ingest/ingest.js';
import { tempDir } from '../util/cli.js';
import {
  type CtRecord,
  deriveCase,
  parseSigmaRule,
  type SigmaRule,
  sigmaMatches,
} from '../util/sigma-events.js';

const ACCOUNT = '111122223333';

/** A record's fields that differ from an ordinary DescribeInstances call, and its verdict. */
type HandRecord = readonly [expected: boolean, fields: CtRecord];

interface SemanticsCase {
  /** The rule's file name (without `.yml`) and id. */
  readonly name: string;
  /** What the rule exercises. */
  readonly feature: string;
  /** The `detection:` map, unindented. */
  readonly detection: string;
  readonly records: readonly HandRecord[];
}

/** An IAM user of the account, for records that need a known ARN. */
const user = (name: string): CtRecord => ({
  type: 'IAMUser',
  arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
  accountId: ACCOUNT,
  principalId: `AIDA${name.toUpperCase()}`,
});

const CASES: readonly SemanticsCase[] = [
  // ---- wildcards, escapes and SQL's LIKE characters
  {
    name: 'wildcard-star',
    feature: '`*` matches any run of characters, the empty one too',
    detection: String.raw`
sel:
  eventName: 'Describe*s'
condition: sel`,
    records: [
      [true, {}],
      [true, { eventName: 'DescribeVolumes' }],
      [true, { eventName: 'Describes' }],
      [false, { eventName: 'DescribeInstance' }],
      [false, { eventName: 'XDescribeInstances' }],
    ],
  },
  {
    name: 'wildcard-question-mark',
    feature: '`?` matches exactly one character',
    detection: String.raw`
sel:
  eventName: 'Describe?nstances'
condition: sel`,
    records: [
      [true, {}],
      [false, { eventName: 'DescribeInstancesX' }],
      [false, { eventName: 'Describenstances' }],
    ],
  },
  {
    name: 'escaped-star',
    feature: '`\\*` is a literal star',
    detection: String.raw`
sel:
  userAgent: 'a\*b'
condition: sel`,
    records: [
      [true, { userAgent: 'a*b' }],
      [false, { userAgent: 'axxb' }],
      [false, { userAgent: 'ab' }],
    ],
  },
  {
    name: 'escaped-question-mark',
    feature: '`\\?` is a literal question mark',
    detection: String.raw`
sel:
  userAgent: 'why\?'
condition: sel`,
    records: [
      [true, { userAgent: 'why?' }],
      [true, { userAgent: 'WHY?' }],
      [false, { userAgent: 'whyx' }],
      [false, { userAgent: 'why' }],
    ],
  },
  {
    name: 'escaped-backslash',
    feature: '`\\\\` is one literal backslash',
    detection: String.raw`
sel:
  userAgent: 'C:\\Temp'
condition: sel`,
    records: [
      [true, { userAgent: 'C:\\Temp' }],
      [false, { userAgent: 'C:\\\\Temp' }],
      [false, { userAgent: 'C:Temp' }],
    ],
  },
  {
    name: 'escaped-backslash-then-wildcard',
    feature: '`\\\\*` is a backslash followed by a wildcard',
    detection: String.raw`
sel:
  userAgent: 'a\\*'
condition: sel`,
    records: [
      [true, { userAgent: 'a\\zzz' }],
      [true, { userAgent: 'a\\' }],
      [false, { userAgent: 'azzz' }],
    ],
  },
  {
    name: 'lone-backslash',
    feature: 'a backslash before another character is itself',
    detection: String.raw`
sel:
  userAgent: 'C:\Windows'
condition: sel`,
    records: [
      [true, { userAgent: 'C:\\Windows' }],
      [false, { userAgent: 'C:Windows' }],
    ],
  },
  {
    name: 'percent-and-underscore-literal',
    feature: "`%` and `_` in a value are literal (not LIKE's wildcards)",
    detection: String.raw`
sel:
  userAgent: '50%_off'
condition: sel`,
    records: [
      [true, { userAgent: '50%_off' }],
      [false, { userAgent: '50xxoff' }],
      [false, { userAgent: '50%Xoff' }],
      [false, { userAgent: '50%off' }],
    ],
  },
  {
    name: 'contains-percent',
    feature: '`|contains` a literal `%`',
    detection: String.raw`
sel:
  userAgent|contains: '%'
condition: sel`,
    records: [
      [true, { userAgent: 'a%b' }],
      [false, { userAgent: 'ab' }],
    ],
  },
  {
    name: 'contains-underscore',
    feature: '`|contains` a literal `_`',
    detection: String.raw`
sel:
  userAgent|contains: '_'
condition: sel`,
    records: [
      [true, { userAgent: 'a_b' }],
      [false, { userAgent: 'aXb' }],
      [false, { userAgent: 'ab' }],
    ],
  },
  {
    name: 'single-quote-in-value',
    feature: "a `'` in a value (SQL's string quote)",
    detection: String.raw`
sel:
  userAgent: "it's"
condition: sel`,
    records: [
      [true, { userAgent: "it's" }],
      [false, { userAgent: 'its' }],
    ],
  },

  // ---- case and the string modifiers
  {
    name: 'plain-value-ignores-case',
    feature: 'plain values compare case-insensitively',
    detection: String.raw`
sel:
  eventName: describeinstances
condition: sel`,
    records: [
      [true, {}],
      [true, { eventName: 'DESCRIBEINSTANCES' }],
      [false, { eventName: 'DescribeInstance' }],
    ],
  },
  {
    name: 'cased',
    feature: '`|cased` compares case-sensitively',
    detection: String.raw`
sel:
  eventName|cased: describeinstances
condition: sel`,
    records: [
      [false, {}],
      [true, { eventName: 'describeinstances' }],
    ],
  },
  {
    name: 'contains',
    feature: '`|contains`, case-insensitive',
    detection: String.raw`
sel:
  userAgent|contains: 'CLI'
condition: sel`,
    records: [
      [true, {}],
      [true, { userAgent: 'my-cli' }],
      [false, { userAgent: 'boto3' }],
    ],
  },
  {
    name: 'startswith-list',
    feature: '`|startswith` with a list: any of the values',
    detection: String.raw`
sel:
  userAgent|startswith:
    - 'ab'
    - 'cd'
condition: sel`,
    records: [
      [true, { userAgent: 'cdx' }],
      [true, { userAgent: 'ABx' }],
      [false, { userAgent: 'xab' }],
    ],
  },
  {
    name: 'endswith',
    feature: '`|endswith`, case-insensitive',
    detection: String.raw`
sel:
  userAgent|endswith: 'CLI/2'
condition: sel`,
    records: [
      [true, {}],
      [false, { userAgent: 'aws-cli/2.1' }],
    ],
  },
  {
    name: 'contains-all',
    feature: '`|contains|all`: every value, in any order',
    detection: String.raw`
sel:
  userAgent|contains|all:
    - 'x'
    - 'y'
condition: sel`,
    records: [
      [true, { userAgent: 'y..x' }],
      [false, { userAgent: 'x' }],
    ],
  },

  // ---- regular expressions
  {
    name: 're-case-sensitive-unanchored',
    feature: '`|re` is case-sensitive and searches anywhere',
    detection: String.raw`
sel:
  eventName|re: 'describe'
condition: sel`,
    records: [
      [false, {}],
      [true, { eventName: 'xdescribex' }],
    ],
  },
  {
    name: 're-i',
    feature: '`|re|i` ignores case',
    detection: String.raw`
sel:
  eventName|re|i: '^describe'
condition: sel`,
    records: [
      [true, {}],
      [false, { eventName: 'xDescribe' }],
    ],
  },
  {
    name: 're-dot-without-s',
    feature: '`|re`: `.` does not match a newline without `|s`',
    detection: String.raw`
sel:
  userAgent|re: '^a.b$'
condition: sel`,
    records: [
      [false, { userAgent: 'a\nb' }],
      [true, { userAgent: 'axb' }],
    ],
  },
  {
    name: 're-s',
    feature: '`|re|s`: `.` matches a newline',
    detection: String.raw`
sel:
  userAgent|re|s: '^a.b$'
condition: sel`,
    records: [
      [true, { userAgent: 'a\nb' }],
      [true, { userAgent: 'axb' }],
      [false, { userAgent: 'ab' }],
    ],
  },
  {
    name: 're-m',
    feature: '`|re|m`: `^` and `$` match at line breaks',
    detection: String.raw`
sel:
  userAgent|re|m: '^b$'
condition: sel`,
    records: [
      [true, { userAgent: 'a\nb' }],
      [false, { userAgent: 'ab' }],
    ],
  },

  // ---- null, absent and ''
  {
    name: 'null-value',
    feature: '`null` matches an absent or null field, not an empty string',
    detection: String.raw`
sel:
  errorCode: null
condition: sel`,
    records: [
      [true, {}],
      [true, { errorCode: null }],
      [false, { errorCode: 'X' }],
      [false, { errorCode: '' }],
    ],
  },
  {
    name: 'empty-string-value',
    feature: "`''` matches only an empty string",
    detection: String.raw`
sel:
  errorCode: ''
condition: sel`,
    records: [
      [false, {}],
      [true, { errorCode: '' }],
      [false, { errorCode: null }],
      [false, { errorCode: 'X' }],
    ],
  },
  {
    name: 'not-equals-absent',
    feature: '`not` of an equality holds when the field is absent',
    detection: String.raw`
sel:
  eventName: DescribeInstances
filter:
  errorCode: AccessDenied
condition: sel and not filter`,
    records: [
      [true, {}],
      [false, { errorCode: 'AccessDenied' }],
      [true, { errorCode: 'Other' }],
    ],
  },
  {
    name: 'not-contains-null',
    feature: '`not` of `|contains` holds when the field is null',
    detection: String.raw`
sel:
  eventName: DescribeInstances
filter:
  errorCode|contains: 'Denied'
condition: sel and not filter`,
    records: [
      [true, {}],
      [false, { errorCode: 'AccessDenied' }],
      [true, { errorCode: null }],
    ],
  },
  {
    name: 'not-re-null-map',
    feature: '`not` of `|re` on a map field holds when the map is null',
    detection: String.raw`
sel:
  eventName: DescribeInstances
filter:
  requestParameters.x|re: 'a'
condition: sel and not filter`,
    records: [
      [true, {}],
      [false, { requestParameters: { x: 'a' } }],
      [true, { requestParameters: { x: 'b' } }],
    ],
  },
  {
    name: 'exists-true',
    feature: '`|exists: true`: present and not null',
    detection: String.raw`
sel:
  errorCode|exists: true
condition: sel`,
    records: [
      [false, {}],
      [true, { errorCode: 'X' }],
      [true, { errorCode: '' }],
      [false, { errorCode: null }],
    ],
  },
  {
    name: 'exists-false',
    feature: '`|exists: false`: absent or null',
    detection: String.raw`
sel:
  errorCode|exists: false
condition: sel`,
    records: [
      [true, {}],
      [true, { errorCode: null }],
      [false, { errorCode: 'X' }],
    ],
  },

  // ---- networks, numbers, booleans
  {
    name: 'cidr',
    feature: '`|cidr` with an IPv4 network; a service name is in none',
    detection: String.raw`
sel:
  sourceIPAddress|cidr: '10.0.0.0/8'
condition: sel`,
    records: [
      [true, { sourceIPAddress: '10.1.2.3' }],
      [true, { sourceIPAddress: '10.255.255.255' }],
      [false, { sourceIPAddress: '11.1.2.3' }],
      [false, { sourceIPAddress: '9.255.255.255' }],
      [false, { sourceIPAddress: 'AWS Internal' }],
      [false, { sourceIPAddress: 'ec2.amazonaws.com' }],
    ],
  },
  {
    name: 'gt',
    feature: '`|gt`; a number in a JSON string compares as the number',
    detection: String.raw`
sel:
  requestParameters.count|gt: 5
condition: sel`,
    records: [
      [true, { requestParameters: { count: 6 } }],
      [false, { requestParameters: { count: 5 } }],
      [true, { requestParameters: { count: '10' } }],
      [false, { requestParameters: { count: 'many' } }],
      [false, {}],
    ],
  },
  {
    name: 'gte',
    feature: '`|gte`',
    detection: String.raw`
sel:
  requestParameters.count|gte: 5
condition: sel`,
    records: [
      [true, { requestParameters: { count: 5 } }],
      [true, { requestParameters: { count: 6 } }],
      [false, { requestParameters: { count: 4 } }],
    ],
  },
  {
    name: 'lt',
    feature: '`|lt`; an absent field is not less than anything',
    detection: String.raw`
sel:
  requestParameters.count|lt: 5
condition: sel`,
    records: [
      [true, { requestParameters: { count: 4 } }],
      [false, { requestParameters: { count: 5 } }],
      [false, {}],
    ],
  },
  {
    name: 'lte',
    feature: '`|lte`, with a fraction',
    detection: String.raw`
sel:
  requestParameters.count|lte: 5
condition: sel`,
    records: [
      [true, { requestParameters: { count: 5 } }],
      [true, { requestParameters: { count: 4.5 } }],
      [false, { requestParameters: { count: 6 } }],
    ],
  },
  {
    name: 'number-value',
    feature: 'a number value equals the number or its text',
    detection: String.raw`
sel:
  requestParameters.count: 5
condition: sel`,
    records: [
      [true, { requestParameters: { count: 5 } }],
      [true, { requestParameters: { count: '5' } }],
      [false, { requestParameters: { count: 6 } }],
    ],
  },
  {
    name: 'boolean-value',
    feature: 'a boolean value equals the boolean or its text',
    detection: String.raw`
sel:
  requestParameters.flag: true
condition: sel`,
    records: [
      [true, { requestParameters: { flag: true } }],
      [true, { requestParameters: { flag: 'true' } }],
      [false, { requestParameters: { flag: false } }],
    ],
  },

  // ---- fieldref
  {
    name: 'fieldref',
    feature: '`|fieldref`: two fields of the record are equal',
    detection: String.raw`
sel:
  userIdentity.arn|fieldref: requestParameters.userName
condition: sel`,
    records: [
      [
        true,
        { userIdentity: user('alice'), requestParameters: { userName: user('alice')['arn'] } },
      ],
      [false, { userIdentity: user('alice'), requestParameters: { userName: 'bob' } }],
      [false, { userIdentity: user('alice') }],
    ],
  },
  {
    name: 'not-fieldref',
    feature: '`not` of `|fieldref` holds when the referenced field is absent',
    detection: String.raw`
sel:
  eventName: DescribeInstances
filter:
  userIdentity.arn|fieldref: requestParameters.userName
condition: sel and not filter`,
    records: [
      [true, {}],
      [true, { userIdentity: user('carol'), requestParameters: { userName: 'bob' } }],
      [
        false,
        { userIdentity: user('carol'), requestParameters: { userName: user('carol')['arn'] } },
      ],
    ],
  },

  // ---- keywords
  {
    name: 'keyword',
    feature: 'a keyword is searched, case-insensitively, anywhere in the record',
    detection: String.raw`
keywords:
  - 'needle'
condition: keywords`,
    records: [
      [true, { requestParameters: { deep: { x: 'haystack NEEDLE hay' } } }],
      [true, { userAgent: 'needle-agent/1' }],
      [false, {}],
    ],
  },
  {
    name: 'keyword-list',
    feature: 'a keyword list: any of the keywords',
    detection: String.raw`
keywords:
  - 'needle'
  - 'thread'
condition: keywords`,
    records: [
      [true, { requestParameters: { a: 'a needle' } }],
      [true, { requestParameters: { b: ['THREAD'] } }],
      [false, {}],
    ],
  },
  {
    name: 'keywords-all',
    feature: "`'|all'` keywords: every keyword, anywhere",
    detection: String.raw`
keywords:
  '|all':
    - 'needle'
    - 'thread'
condition: keywords`,
    records: [
      [true, { requestParameters: { a: 'needle', b: 'thread' } }],
      [true, { requestParameters: { a: 'needle and thread' } }],
      [false, { requestParameters: { a: 'needle' } }],
    ],
  },

  // ---- maps and lists of maps
  {
    name: 'map-is-and',
    feature: 'the fields of one map must all match',
    detection: String.raw`
sel:
  eventName: DescribeInstances
  userAgent: aws-cli/2
condition: sel`,
    records: [
      [true, {}],
      [false, { userAgent: 'boto3' }],
      [false, { eventName: 'RunInstances' }],
    ],
  },
  {
    name: 'list-of-maps-is-or',
    feature: 'a list of maps: any of the maps',
    detection: String.raw`
sel:
  - eventName: A
  - userAgent: B
condition: sel`,
    records: [
      [true, { eventName: 'A' }],
      [true, { userAgent: 'b' }],
      [false, {}],
    ],
  },

  // ---- conditions
  {
    name: 'not-binds-tighter-than-and',
    feature: '`not a and c` is `(not a) and c`',
    detection: String.raw`
a:
  eventName: A
c:
  eventSource: C
condition: not a and c`,
    records: [
      [true, { eventSource: 'C' }],
      [false, { eventSource: 'C', eventName: 'A' }],
      [false, { eventName: 'A' }],
      [false, {}],
    ],
  },
  {
    name: 'and-binds-tighter-than-or',
    feature: '`a or b and c` is `a or (b and c)`',
    detection: String.raw`
a:
  eventName: A
b:
  userAgent: B
c:
  eventSource: C
condition: a or b and c`,
    records: [
      [true, { eventName: 'A' }],
      [false, { userAgent: 'B' }],
      [true, { userAgent: 'B', eventSource: 'C' }],
      [false, { eventSource: 'C' }],
    ],
  },
  {
    name: 'parentheses',
    feature: 'parentheses group: `not (a or b) and c`',
    detection: String.raw`
a:
  eventName: A
b:
  userAgent: B
c:
  eventSource: C
condition: not (a or b) and c`,
    records: [
      [true, { eventSource: 'c' }],
      [false, { eventSource: 'c', eventName: 'A' }],
      [false, { eventSource: 'c', userAgent: 'B' }],
      [false, {}],
    ],
  },
  {
    name: 'one-of-prefix',
    feature: '`1 of sel_*` and `not 1 of filter_*`',
    detection: String.raw`
sel_a:
  eventName: A
sel_b:
  eventName: B
filter_agent:
  userAgent: blocked
condition: 1 of sel_* and not 1 of filter_*`,
    records: [
      [true, { eventName: 'A' }],
      [true, { eventName: 'B' }],
      [false, { eventName: 'C' }],
      [false, { eventName: 'A', userAgent: 'blocked' }],
    ],
  },
  {
    name: 'all-of-prefix',
    feature: '`all of sel_*` reads only the identifiers with that prefix',
    detection: String.raw`
sel_name:
  eventName: DescribeInstances
sel_agent:
  userAgent|startswith: aws-cli
other:
  eventSource: s3.amazonaws.com
condition: all of sel_* or other`,
    records: [
      [true, {}],
      [false, { userAgent: 'boto3' }],
      [false, { eventName: 'RunInstances' }],
      [true, { userAgent: 'boto3', eventSource: 's3.amazonaws.com' }],
    ],
  },
  {
    name: 'one-of-them',
    feature: '`1 of them`',
    detection: String.raw`
s1:
  eventName: A
s2:
  eventName: B
condition: 1 of them`,
    records: [
      [true, { eventName: 'A' }],
      [true, { eventName: 'B' }],
      [false, { eventName: 'C' }],
    ],
  },
  {
    name: 'all-of-them-skips-underscore',
    feature: '`all of them` leaves out identifiers starting with `_`',
    detection: String.raw`
s1:
  eventName: DescribeInstances
_s2:
  errorCode: X
condition: all of them`,
    records: [
      [true, {}],
      [true, { errorCode: 'X' }],
      [false, { eventName: 'Other' }],
    ],
  },
  {
    name: 'unused-search-identifier',
    feature: 'a search identifier the condition does not name changes nothing',
    detection: String.raw`
sel:
  eventName: DescribeInstances
unused:
  userAgent: never
condition: sel`,
    records: [
      [true, {}],
      [true, { userAgent: 'never' }],
      [false, { eventName: 'Other' }],
    ],
  },

  // ---- paths: nested maps, whole maps, arrays
  {
    name: 'nested-path',
    feature: 'a path into userIdentity.sessionContext',
    detection: String.raw`
sel:
  userIdentity.sessionContext.sessionIssuer.userName: role
condition: sel`,
    records: [
      [
        true,
        {
          userIdentity: {
            type: 'AssumedRole',
            arn: 'arn:aws:sts::111122223333:assumed-role/role/s',
            sessionContext: { sessionIssuer: { userName: 'Role' } },
          },
        },
      ],
      [false, {}],
    ],
  },
  {
    name: 'additional-event-data',
    feature: 'a path into additionalEventData',
    detection: String.raw`
sel:
  additionalEventData.MFAUsed: 'No'
condition: sel`,
    records: [
      [true, { additionalEventData: { MFAUsed: 'NO' } }],
      [false, { additionalEventData: { MFAUsed: 'Yes' } }],
      [false, {}],
    ],
  },
  {
    name: 'whole-map-contains',
    feature: 'a whole map compares as its JSON text',
    detection: String.raw`
sel:
  requestParameters|contains: '"Allow"'
condition: sel`,
    records: [
      [true, { requestParameters: { e: 'Allow' } }],
      [false, { requestParameters: { e: 'Allowed' } }],
    ],
  },
  {
    name: 'event-time-startswith',
    feature: 'eventTime compares as its ISO 8601 text',
    detection: String.raw`
sel:
  eventTime|startswith: '2026-03-03T'
condition: sel`,
    records: [[true, {}]],
  },
  {
    name: 'array-mid-path',
    feature: 'an array in the middle of a path: any element',
    detection: String.raw`
sel:
  requestParameters.items.name: v
condition: sel`,
    records: [
      [true, { requestParameters: { items: [{ name: 'w' }, { name: 'V' }] } }],
      [false, { requestParameters: { items: [{ name: 'w' }] } }],
      [true, { requestParameters: { items: { name: 'v' } } }],
    ],
  },
  {
    name: 'array-mid-path-deep',
    feature: 'an array two levels down a path (a policy statement)',
    detection: String.raw`
sel:
  requestParameters.policy.Statement.Effect: Allow
condition: sel`,
    records: [
      [
        true,
        { requestParameters: { policy: { Statement: [{ Effect: 'Deny' }, { Effect: 'Allow' }] } } },
      ],
      [false, { requestParameters: { policy: { Statement: [{ Effect: 'Deny' }] } } }],
    ],
  },
  {
    name: 'array-resources-endswith',
    feature: "`|endswith` on the top-level resources array's elements",
    detection: String.raw`
sel:
  resources.ARN|endswith: ':key/1'
condition: sel`,
    records: [
      [true, { resources: [{ ARN: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1` }] }],
      [false, { resources: [{ ARN: `arn:aws:kms:us-east-1:${ACCOUNT}:key/2` }] }],
    ],
  },
  {
    name: 'array-at-end-of-path',
    feature: 'an array at the end of a path: any element',
    detection: String.raw`
sel:
  requestParameters.tags: prod
condition: sel`,
    records: [
      [true, { requestParameters: { tags: ['dev', 'prod'] } }],
      [true, { requestParameters: { tags: ['PROD'] } }],
      [true, { requestParameters: { tags: 'prod' } }],
      [false, { requestParameters: { tags: ['dev'] } }],
      [false, { requestParameters: { tags: ['production'] } }],
    ],
  },
];

/** Rules the engine must set aside: the file, the key whose line it names, the reason. */
interface Refusal {
  readonly name: string;
  readonly text: string;
  /** The rule id the skip names (none when the file is not YAML). */
  readonly id?: string;
  /** The text of the line the skip must point at. */
  readonly line: string;
  readonly reason: RegExp;
}

const REFUSALS: readonly Refusal[] = [
  {
    name: 'refused-count-aggregation',
    id: 'refused-count-aggregation',
    text: `# an aggregation in the condition is a correlation
title: refused count aggregation
id: refused-count-aggregation
logsource:
  product: aws
  service: cloudtrail
detection:
  sel:
    eventName: DescribeInstances
  condition: sel | count() > 5
`,
    line: 'condition: sel | count() > 5',
    reason:
      /^aggregations in the condition \(\| count\(\) …\) are correlations and are not supported$/,
  },
  {
    name: 'refused-correlation',
    id: 'refused-correlation',
    text: `# a Sigma correlation rule
title: refused correlation
id: refused-correlation
correlation:
  type: event_count
  rules:
    - all-of-them-skips-underscore
  group-by:
    - userIdentity.arn
  timespan: 1h
  condition:
    gte: 10
`,
    line: 'correlation:',
    reason: /^Sigma correlation rules are not supported$/,
  },
  {
    name: 'refused-base64',
    id: 'refused-base64',
    text: `# |base64 is not supported
title: refused base64
id: refused-base64
logsource:
  product: aws
  service: cloudtrail
detection:
  sel:
    requestParameters.userData|base64: 'curl'
  condition: sel
`,
    line: "requestParameters.userData|base64: 'curl'",
    reason: /^the modifier \|base64 is not supported \(field requestParameters\.userData\)$/,
  },
  {
    name: 'refused-other-logsource',
    id: 'refused-other-logsource',
    text: `# a Windows rule among CloudTrail rules
title: refused other logsource
id: refused-other-logsource
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    Image|endswith: '\\cmd.exe'
  condition: sel
`,
    line: 'logsource:',
    reason: /^its logsource is not \{product: aws, service: cloudtrail\}$/,
  },
  {
    name: 'refused-malformed-yaml',
    text: `# a flow sequence left open
title: refused malformed yaml
id: refused-malformed-yaml
logsource:
  product: aws
  service: cloudtrail
detection:
  sel:
    eventName: [DescribeInstances, RunInstances
  condition: sel
`,
    line: 'condition: sel',
    reason: /^not valid YAML: .+/,
  },
];

/** The rule's file: the case's detection under an ordinary header. */
function ruleText(c: SemanticsCase): string {
  const body = c.detection
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return [
    `title: 'Sigma semantics: ${c.name}'`,
    `id: ${c.name}`,
    'description: |',
    `  ${c.feature}`,
    'logsource:',
    '  product: aws',
    '  service: cloudtrail',
    'level: low',
    'detection:',
    body,
    '',
  ].join('\n');
}

/** An ordinary call by its own IAM user (so no two hand-written records share a finding). */
function handRecord(n: number, fields: CtRecord): CtRecord {
  return {
    eventVersion: '1.09',
    userIdentity: user(`p${String(n)}`),
    eventTime: new Date(Date.parse('2026-03-03T00:00:00Z') + n * 60_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.1',
    userAgent: 'aws-cli/2',
    requestParameters: null,
    responseElements: null,
    requestID: `semantics-request-${String(n)}`,
    eventID: `semantics-${String(n)}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...fields,
  };
}

/** One gzipped `{"Records":[…]}` per account, region and day, named as CloudTrail names them. */
function writeArchive(root: string, records: readonly CtRecord[]): void {
  const groups = new Map<string, CtRecord[]>();
  for (const r of records) {
    const key = [r['recipientAccountId'], r['awsRegion'], String(r['eventTime']).slice(0, 10)]
      .map(String)
      .join('/');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, list] of groups) {
    const [account = '', region = '', day = ''] = key.split('/');
    const [year = '', month = '', date = ''] = day.split('-');
    const stamp = String(list[0]?.['eventTime']).slice(0, 16).replace(/[-:]/g, '');
    const random = createHash('sha256').update(key).digest('hex').slice(0, 16);
    const dir = path.join(root, 'AWSLogs', account, 'CloudTrail', region, year, month, date);
    mkdirSync(dir, { recursive: true });
    const name = `${account}_CloudTrail_${region}_${stamp}Z_${random}.json.gz`;
    writeFileSync(path.join(dir, name), gzipSync(JSON.stringify({ Records: list })));
  }
}

interface Prepared {
  readonly c: SemanticsCase;
  readonly rule: SigmaRule;
  /** The hand-written records, with their verdicts. */
  readonly hand: readonly { readonly expected: boolean; readonly record: CtRecord }[];
}

describe('Sigma semantics, rule by rule, on a lake', () => {
  const dir = tempDir('sigma-semantics');
  const rulesDir = path.join(dir, 'rules');
  const lakeDir = path.join(dir, 'lake');
  const records: CtRecord[] = [];
  let n = 0;
  const prepared: Prepared[] = CASES.map((c) => {
    const rule = parseSigmaRule(ruleText(c), path.join(rulesDir, `${c.name}.yml`));
    const hand = c.records.map(([expected, fields]) => ({
      expected,
      record: handRecord(++n, fields),
    }));
    const derived = deriveCase(rule);
    records.push(
      ...hand.map((h) => h.record),
      ...[...derived.matches, ...derived.nearMisses].map((d) => d.record),
    );
    return { c, rule, hand };
  });
  let result: DetectResult | undefined;

  beforeAll(async () => {
    mkdirSync(rulesDir, { recursive: true });
    for (const c of CASES) writeFileSync(path.join(rulesDir, `${c.name}.yml`), ruleText(c));
    for (const r of REFUSALS) writeFileSync(path.join(rulesDir, `${r.name}.yml`), r.text);
    const archive = path.join(dir, 'archive');
    writeArchive(archive, records);
    const summary = await ingest({ sources: [archive], lakeDir, workers: 1 });
    expect(summary.errors).toBe(0);
    expect(summary.events).toBe(records.length);
    result = await detect({ lakeDir, rules: [rulesDir] });
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has distinct rule names and event ids', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(new Set(records.map((r) => r['eventID'])).size).toBe(records.length);
  });

  /** The eventIDs of every finding of the rule; a finding's evidence must be complete. */
  function hits(id: string): Set<unknown> {
    const findings = (result?.findings ?? []).filter((f) => f.rule === id);
    for (const f of findings) expect(f.events, `${id}: evidence cut`).toHaveLength(f.eventCount);
    return new Set(findings.flatMap((f) => f.events.map((e) => e.eventID)));
  }

  const rows = prepared.map((p) => [`${p.c.name}.yml`, p.c.feature, p] as const);

  it.each(rows)('%s: %s', (_, __, { c, rule, hand }) => {
    const file = path.join(rulesDir, `${c.name}.yml`);
    const skips = result?.skipped.filter((s) => s.rule === c.name || s.file.startsWith(file));
    expect(skips).toEqual([]);
    const found = hits(c.name);
    // The hand-written verdicts: the oracle and the engine must both give them.
    for (const { expected, record } of hand) {
      const what = `${expected ? 'must' : 'must not'} match ${JSON.stringify(record)}`;
      expect(sigmaMatches(rule, record), `oracle ${what}`).toBe(expected);
      expect(found.has(record['eventID']), `engine ${what}`).toBe(expected);
    }
    // Every record in the lake, the other rules' and the derived ones included.
    const disagreements = records
      .filter((r) => sigmaMatches(rule, r) !== found.has(r['eventID']))
      .map((r) => `oracle ${String(sigmaMatches(rule, r))}, engine not: ${JSON.stringify(r)}`);
    expect(disagreements).toEqual([]);
  });

  it.each(REFUSALS.map((r) => [`${r.name}.yml`, r] as const))(
    '%s is skipped with its file, line and reason',
    (file, r) => {
      const line = r.text.split('\n').findIndex((l) => l.trim() === r.line.trim()) + 1;
      expect(line).toBeGreaterThan(0);
      const skips = (result?.skipped ?? []).filter((s) =>
        s.file.startsWith(path.join(rulesDir, file)),
      );
      expect(skips).toHaveLength(1);
      expect(skips[0]?.rule).toBe(r.id);
      expect(skips[0]?.file).toBe(`${path.join(rulesDir, file)}:${String(line)}`);
      expect(skips[0]?.reason).toMatch(r.reason);
    },
  );

  it('runs every other rule despite the refused ones', () => {
    expect(result?.skipped).toHaveLength(REFUSALS.length);
    expect(result?.rulesRun).toBe(CASES.length);
    const ruling = new Set(result?.findings.map((f) => f.rule));
    for (const c of CASES) expect(ruling.has(c.name), c.name).toBe(true);
  });
});
