/**
 * `ctlake detect` as a user runs it: the built CLI over a real lake, ingested by `ctlake ingest`
 * from a generated archive (fixtures/generator) with its planted story, plus two forged records
 * whose values are hostile (control characters in a principal and a user agent, a spreadsheet
 * formula as a principal). Covers seed 003's anomaly, the finding contract of `--format json`
 * with every evidence reference checked against the original record, the other formats, the CI
 * gate (`--fail-on`), user rules with a malformed file, CloudWatch files, usage errors and the
 * time window. One lake is built and every test reads it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ArchiveManifest,
  generateArchive,
  MAIN_ACCOUNT,
} from '../../fixtures/generator/archive.js';
import {
  ATTACKER_IP,
  type PlantedEvent,
  SEED_003_REGION,
  STOLEN_KEY_IP,
} from '../../fixtures/generator/scenario.js';
import { ctlake, tempDir } from '../util/cli.js';

const END = '2026-03-08T12:00:00Z';
const CONTRACT_KEYS = [
  'rule',
  'title',
  'severity',
  'kind',
  'time',
  'principal',
  'accountId',
  'region',
  'eventSource',
  'eventName',
  'eventCount',
  'events',
  'details',
  'mitre',
];
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const TRAINING_ROLE = `arn:aws:iam::${MAIN_ACCOUNT}:role/SageMakerTrainingRole`;
const DEV_CI = `arn:aws:iam::${MAIN_ACCOUNT}:user/dev-ci`;

/** A principal whose name would clear the screen and forge a line of output if printed raw. */
const HOSTILE_ARN = `arn:aws:iam::${MAIN_ACCOUNT}:user/ops\u001b[2J\nINJECTED`;
const HOSTILE_AGENT = 'Mozilla/5.0 \u001b[2J\u001b]0;owned\u0007\nFORGED LINE';
/** A principal that a spreadsheet would run as a formula. */
const FORMULA = '=HYPERLINK("https://evil.example/","open")';

interface Evidence {
  eventID: string | null;
  eventTime: string | null;
  sourceObject: string;
  recordIndex: number;
}

interface Finding {
  rule: string;
  title: string;
  severity: string;
  kind: string;
  time: string;
  principal: string | null;
  accountId: string | null;
  region: string | null;
  eventSource: string | null;
  eventName: string | null;
  eventCount: number;
  events: Evidence[];
  details: Record<string, unknown>;
  mitre: string[];
}

type CloudTrailRecord = Record<string, unknown> & {
  eventID?: string;
  eventTime?: string;
  eventName?: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userIdentity?: { arn?: string };
};

const rank = (severity: string): number => SEVERITIES.indexOf(severity);

/** The two forged records: a console sign-in without MFA (CIS CloudWatch.3) and a refusal (.2). */
function forgedRecords(): Record<string, unknown>[] {
  const common = {
    eventVersion: '1.09',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.200',
    requestParameters: null,
    readOnly: false,
    managementEvent: true,
    recipientAccountId: MAIN_ACCOUNT,
    eventCategory: 'Management',
  };
  return [
    {
      ...common,
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAHOSTILEEXAMPLE01',
        arn: HOSTILE_ARN,
        accountId: MAIN_ACCOUNT,
        userName: 'ops\u001b[2J\nINJECTED',
      },
      eventTime: '2026-03-03T06:00:10Z',
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      userAgent: HOSTILE_AGENT,
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { LoginTo: 'https://console.aws.amazon.com/', MFAUsed: 'No' },
      eventID: 'f0f0f0f0-0000-4000-8000-000000000001',
      eventType: 'AwsConsoleSignIn',
    },
    {
      ...common,
      userIdentity: { type: 'IAMUser', principalId: FORMULA, accountId: MAIN_ACCOUNT },
      eventTime: '2026-03-03T07:00:10Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetBucketPolicy',
      userAgent: 'aws-cli/2.15.30',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
      responseElements: null,
      eventID: 'f0f0f0f0-0000-4000-8000-000000000002',
      eventType: 'AwsApiCall',
    },
  ];
}

/** A minimal RFC 4180 reader: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('ctlake detect on a generated archive', () => {
  const dir = tempDir('detect-cli');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  let manifest: ArchiveManifest;
  /** `--pack genai --pack cis --pack anomalies --format json --fail-on high`. */
  let all: { code: number | null; stderr: string; findings: Finding[] };

  const files = new Map<string, CloudTrailRecord[]>();
  /** The original record an evidence entry points at. */
  const recordOf = (e: Evidence): CloudTrailRecord | undefined => {
    let records = files.get(e.sourceObject);
    if (records === undefined) {
      const document = JSON.parse(gunzipSync(readFileSync(e.sourceObject)).toString('utf8')) as {
        Records: CloudTrailRecord[];
      };
      records = document.Records;
      files.set(e.sourceObject, records);
    }
    return records[e.recordIndex];
  };
  const ofPack = (prefix: string): Finding[] =>
    all.findings.filter((f) => f.rule.startsWith(prefix));

  beforeAll(async () => {
    manifest = await generateArchive({
      outDir: archive,
      events: 20_000,
      seed: 15,
      end: new Date(END),
      days: 7,
      gzipLevel: 1,
    });
    mkdirSync(path.join(archive, 'forged'));
    writeFileSync(
      path.join(archive, 'forged', 'hostile.json.gz'),
      gzipSync(JSON.stringify({ Records: forgedRecords() })),
    );
    const ingested = await ctlake(['ingest', archive, '--lake', lake, '--quiet']);
    expect(ingested.code, ingested.stderr).toBe(0);
    const run = await ctlake([
      'detect',
      '--lake',
      lake,
      '--pack',
      'genai',
      '--pack',
      'cis',
      '--pack',
      'anomalies',
      '--format',
      'json',
      '--fail-on',
      'high',
    ]);
    all = { code: run.code, stderr: run.stderr, findings: JSON.parse(run.stdout) as Finding[] };
  }, 120_000);

  it('raises seed 003: the training role in a region it never used, high, citing the RunInstances', () => {
    const launch = manifest.planted.find(
      (p) => p.eventName === 'RunInstances' && p.awsRegion === SEED_003_REGION,
    );
    if (launch === undefined) throw new Error('the archive has no seed 003 RunInstances');
    const found = all.findings.filter(
      (f) =>
        f.kind === 'anomaly' &&
        f.details['dimension'] === 'region' &&
        f.details['value'] === SEED_003_REGION,
    );
    expect(found).toHaveLength(1);
    const [f] = found as [Finding];
    expect(f.severity).toBe('high');
    expect(f.details['entity']).toBe(TRAINING_ROLE);
    expect(f.principal).toBe(launch.arn);
    const cited = f.events.map(recordOf);
    expect(
      cited.some(
        (r) =>
          r?.eventName === 'RunInstances' &&
          r.awsRegion === SEED_003_REGION &&
          r.eventTime === launch.eventTime &&
          r.userIdentity?.arn === launch.arn,
      ),
    ).toBe(true);
  });

  it('raises no anomaly of medium or higher but on the planted intruders (the stolen role session, the leaked dev-ci key)', () => {
    const intruders = manifest.planted.filter(
      (p: PlantedEvent) => p.sourceIPAddress === STOLEN_KEY_IP || p.sourceIPAddress === ATTACKER_IP,
    );
    const arns = new Set(intruders.map((p) => p.arn));
    const serious = all.findings.filter((f) => f.kind === 'anomaly' && rank(f.severity) >= 2);
    // Both intruders are caught, and nothing else is.
    expect(new Set(serious.map((f) => f.details['entity']))).toEqual(
      new Set([TRAINING_ROLE, DEV_CI]),
    );
    for (const f of serious) {
      expect(arns.has(f.principal), `${f.rule} ${String(f.principal)}`).toBe(true);
      for (const e of f.events) {
        const r = recordOf(e);
        expect([STOLEN_KEY_IP, ATTACKER_IP], `${f.rule} cites ${String(e.eventID)}`).toContain(
          r?.sourceIPAddress,
        );
        expect(
          intruders.some((p) => p.eventTime === r?.eventTime && p.eventName === r.eventName),
        ).toBe(true);
      }
    }
  });

  it('prints --format json as an array of findings with exactly the contract keys and types', () => {
    const { findings } = all;
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => f.kind))).toEqual(new Set(['event', 'alarm', 'anomaly']));
    for (const f of findings) {
      expect(Object.keys(f).sort()).toEqual([...CONTRACT_KEYS].sort());
      expect(typeof f.rule === 'string' && f.rule !== '').toBe(true);
      expect(typeof f.title === 'string' && f.title !== '').toBe(true);
      expect(SEVERITIES).toContain(f.severity);
      expect(['event', 'alarm', 'anomaly']).toContain(f.kind);
      expect(f.time).toMatch(ISO_UTC);
      expect(Number.isNaN(Date.parse(f.time))).toBe(false);
      for (const key of ['principal', 'accountId', 'region', 'eventSource', 'eventName'] as const) {
        expect(f[key] === null || typeof f[key] === 'string', `${f.rule}.${key}`).toBe(true);
      }
      expect(Number.isInteger(f.eventCount)).toBe(true);
      expect(f.eventCount).toBeGreaterThanOrEqual(f.events.length);
      expect(f.events.length).toBeGreaterThan(0);
      expect(f.events.length).toBeLessThanOrEqual(100);
      const details: unknown = f.details;
      expect(details !== null && typeof details === 'object' && !Array.isArray(details)).toBe(true);
      expect(Array.isArray(f.mitre)).toBe(true);
      for (const id of f.mitre) expect(id).toMatch(/^T\d{4}(\.\d{3})?$/);
    }
    // Most severe first.
    const ranks = findings.map((f) => rank(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('points every piece of evidence at its original record: a file of the archive and its index there', () => {
    let checked = 0;
    for (const f of all.findings) {
      for (const e of f.events) {
        expect(Object.keys(e).sort()).toEqual(
          ['eventID', 'eventTime', 'recordIndex', 'sourceObject'].sort(),
        );
        expect(path.relative(archive, e.sourceObject).startsWith('..')).toBe(false);
        expect(existsSync(e.sourceObject)).toBe(true);
        expect(Number.isInteger(e.recordIndex) && e.recordIndex >= 0).toBe(true);
        expect(e.eventTime).toMatch(ISO_UTC);
        const r = recordOf(e);
        expect(r?.eventID, `${f.rule}: ${e.sourceObject} #${String(e.recordIndex)}`).toBe(
          e.eventID,
        );
        expect(Date.parse(r?.eventTime ?? '')).toBe(Date.parse(e.eventTime ?? ''));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('exits 3 under --fail-on high when a finding is high', () => {
    expect(all.findings.some((f) => f.severity === 'high')).toBe(true);
    expect(all.code, all.stderr).toBe(3);
    expect(all.stderr).toMatch(/^detect: \d+ rules, \d+ findings, /m);
  });

  it('prints --format ndjson as one finding per line, the same as json; --fail-on critical exits 0 when none is', async () => {
    const run = await ctlake([
      'detect',
      '--lake',
      lake,
      '--pack',
      'cis',
      '--format',
      'ndjson',
      '--fail-on',
      'critical',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.endsWith('\n')).toBe(true);
    const lines = run.stdout.slice(0, -1).split('\n');
    const findings = lines.map((line) => JSON.parse(line) as Finding);
    expect(findings.some((f) => f.severity === 'critical')).toBe(false);
    expect(findings).toHaveLength(ofPack('cis-').length);
    expect(findings).toEqual(ofPack('cis-'));
  });

  it('prints --format csv as a header and one row per finding, formula-like values neutralised', async () => {
    const run = await ctlake(['detect', '--lake', lake, '--pack', 'cis', '--format', 'csv']);
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = parseCsv(run.stdout);
    expect(header).toEqual([
      'severity',
      'rule',
      'title',
      'kind',
      'time',
      'principal',
      'accountId',
      'region',
      'eventSource',
      'eventName',
      'eventCount',
      'mitre',
      'firstEventID',
      'firstSourceObject',
      'firstRecordIndex',
      'details',
    ]);
    const expected = ofPack('cis-');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, i) => {
      const f = expected[i] as Finding;
      expect(row).toHaveLength(16);
      expect([row[0], row[1], row[3], row[4]]).toEqual([f.severity, f.rule, f.kind, f.time]);
      expect(row[12]).toBe(f.events[0]?.eventID);
      expect(JSON.parse(row[15] ?? '')).toEqual(f.details);
    });
    const principals = rows.map((row) => row[5]);
    expect(principals).toContain(`'${FORMULA}`);
    expect(principals).not.toContain(FORMULA);
    // CSV keeps other values exact, line breaks and escape characters included.
    expect(principals).toContain(HOSTILE_ARN);
  });

  it('prints --format ocsf as OCSF Detection Finding objects', async () => {
    const run = await ctlake(['detect', '--lake', lake, '--pack', 'anomalies', '--format', 'ocsf']);
    expect(run.code, run.stderr).toBe(0);
    const objects = JSON.parse(run.stdout) as Record<string, unknown>[];
    const expected = all.findings.filter((f) => f.kind === 'anomaly');
    expect(objects).toHaveLength(expected.length);
    const uids = new Set<string>();
    objects.forEach((o, i) => {
      const f = expected[i] as Finding;
      expect(o['class_uid']).toBe(2004);
      expect(o['type_uid']).toBe(200401);
      expect(o['severity_id']).toBe(rank(f.severity) + 1);
      expect(String(o['severity']).toLowerCase()).toBe(
        f.severity === 'info' ? 'informational' : f.severity,
      );
      expect(o['time']).toBe(Date.parse(f.time));
      const info = o['finding_info'] as Record<string, unknown>;
      expect(info['uid']).toMatch(/^[0-9a-f]{32}$/);
      uids.add(String(info['uid']));
      expect(info['title']).toBe(f.title);
      expect((info['analytic'] as Record<string, unknown>)['uid']).toBe(f.rule);
      const metadata = o['metadata'] as { product: { name: string }; version: string };
      expect(metadata.product.name).toBe('ctlake');
      expect(metadata.version).toBe('1.3.0');
      expect((o['evidences'] as unknown[]).length).toBe(f.events.length);
    });
    expect(uids.size).toBe(objects.length);
  });

  it('prints --format table grouped by severity, with values from the log shown inert', async () => {
    const run = await ctlake(['detect', '--lake', lake, '--pack', 'cis', '--format', 'table']);
    expect(run.code, run.stderr).toBe(0);
    const text = run.stdout;
    // No raw control character but the line ends: not the ESC of the forged principal and
    // user agent, and no colour either (stdout is not a terminal).
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('ops\\x1b[2J\\nINJECTED');
    expect(text.split('\n').some((line) => line.startsWith('INJECTED'))).toBe(false);
    expect(text).not.toContain('FORGED LINE');
    const cis = ofPack('cis-');
    const headings = text.split('\n').filter((line) => /^[A-Z]+ \(\d+\)$/.test(line));
    const groups = SEVERITIES.filter((s) => cis.some((f) => f.severity === s)).reverse();
    expect(groups.length).toBeGreaterThan(1);
    expect(headings).toEqual(
      groups.map(
        (s) => `${s.toUpperCase()} (${String(cis.filter((f) => f.severity === s).length)})`,
      ),
    );
    expect(text).toContain(`${String(cis.length)} findings: `);
  });

  it('exits 0 with no findings for --pack seeds on a lake without StartInstances', async () => {
    expect(Object.keys(manifest.counts).some((k) => k.endsWith(' StartInstances'))).toBe(false);
    const run = await ctlake(['detect', '--lake', lake, '--pack', 'seeds', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it('runs the valid rule of a --rules folder, names the malformed file with its line and reason, and exits 1', async () => {
    const rules = path.join(dir, 'rules');
    mkdirSync(rules);
    writeFileSync(
      path.join(rules, 'launch.yml'),
      [
        'title: Instances launched in ap-southeast-2',
        'id: 6a0e1f4e-5b7c-4d2a-9e31-0c5d7f3a2b10',
        'logsource:',
        '  product: aws',
        '  service: cloudtrail',
        'detection:',
        '  selection:',
        '    eventSource: ec2.amazonaws.com',
        '    eventName: RunInstances',
        `    awsRegion: ${SEED_003_REGION}`,
        '  condition: selection',
        'level: high',
        'tags:',
        '  - attack.t1496',
        '',
      ].join('\n'),
    );
    const broken = path.join(rules, 'broken.yml');
    writeFileSync(
      broken,
      [
        'title: Broken rule',
        'logsource:',
        '  product: aws',
        '  service: cloudtrail',
        'detection:',
        '  selection:',
        '    eventName: [RunInstances, StartInstances',
        '  condition: selection',
        '',
      ].join('\n'),
    );
    const run = await ctlake(['detect', '--lake', lake, '--rules', rules, '--format', 'json']);
    expect(run.code, run.stderr).toBe(1);
    const complaints = run.stderr.split('\n').filter((line) => line.includes(broken));
    expect(complaints).toHaveLength(1);
    expect(complaints[0]).toMatch(
      new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: not valid YAML: \\S`),
    );
    const findings = JSON.parse(run.stdout) as Finding[];
    expect(findings.map((f) => [f.rule, f.severity, f.region, f.eventName, f.mitre])).toEqual([
      ['6a0e1f4e-5b7c-4d2a-9e31-0c5d7f3a2b10', 'high', SEED_003_REGION, 'RunInstances', ['T1496']],
    ]);
  });

  it('replays CloudWatch files from the AWS CLI: the transition into ALARM is a finding', async () => {
    const filters = path.join(dir, 'metric-filters.json');
    const alarms = path.join(dir, 'alarms.json');
    writeFileSync(
      filters,
      JSON.stringify({
        metricFilters: [
          {
            filterName: 'BedrockAccessDenied',
            filterPattern:
              '{ ($.eventSource = "bedrock.amazonaws.com") && ($.errorCode = "AccessDenied*") }',
            metricTransformations: [
              {
                metricName: 'BedrockAccessDenied',
                metricNamespace: 'Security',
                metricValue: '1',
              },
            ],
            creationTime: 1_760_000_000_000,
            logGroupName: 'aws-cloudtrail-logs',
          },
        ],
      }),
    );
    writeFileSync(
      alarms,
      JSON.stringify({
        MetricAlarms: [
          {
            AlarmName: 'BedrockAccessDeniedBurst',
            AlarmArn: `arn:aws:cloudwatch:us-east-1:${MAIN_ACCOUNT}:alarm:BedrockAccessDeniedBurst`,
            ActionsEnabled: true,
            MetricName: 'BedrockAccessDenied',
            Namespace: 'Security',
            Statistic: 'Sum',
            Dimensions: [],
            Period: 3600,
            EvaluationPeriods: 1,
            DatapointsToAlarm: 1,
            Threshold: 3,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            TreatMissingData: 'notBreaching',
            StateValue: 'OK',
          },
        ],
        CompositeAlarms: [],
      }),
    );
    // The leaked key's refusals, by hour (the background has no AccessDenied on Bedrock).
    const denied = manifest.planted.filter(
      (p) => p.eventSource === 'bedrock.amazonaws.com' && p.errorCode?.startsWith('AccessDenied'),
    );
    const hours = new Map<number, number>();
    for (const p of denied) {
      const hour = Math.floor(Date.parse(p.eventTime) / 3_600_000);
      hours.set(hour, (hours.get(hour) ?? 0) + 1);
    }
    const burst = [...hours].filter(([, n]) => n >= 3);
    expect(burst).toHaveLength(1);
    const [[hour, count]] = burst as [[number, number]];

    const run = await ctlake([
      'detect',
      '--lake',
      lake,
      '--metric-filters',
      filters,
      '--alarms',
      alarms,
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const findings = JSON.parse(run.stdout) as Finding[];
    expect(findings).toHaveLength(1);
    const [f] = findings as [Finding];
    expect(f).toMatchObject({
      rule: 'BedrockAccessDeniedBurst',
      kind: 'alarm',
      time: new Date((hour + 1) * 3_600_000).toISOString().replace('.000Z', 'Z'),
      principal: DEV_CI,
      eventCount: count,
    });
    expect(f.details).toMatchObject({
      state: 'ALARM',
      previousState: 'OK',
      value: count,
      threshold: 3,
      period: 3600,
    });
    expect(f.events.map((e) => recordOf(e)?.sourceIPAddress)).toEqual(
      Array.from({ length: count }, () => ATTACKER_IP),
    );
  });

  it.each([
    [
      ['--metric-filters', 'filters.json'],
      /^ctlake: give --metric-filters and --alarms together\n$/,
    ],
    [['--alarms', 'alarms.json'], /^ctlake: give --metric-filters and --alarms together\n$/],
    [
      ['--pack', 'genai', '--pack', 'nope'],
      /^ctlake: --pack nope: no such pack \(built in: anomalies, attack, cis, genai, seeds, sigma\)\n$/,
    ],
  ])('refuses %j as a usage error in one line', async (args, message) => {
    const run = await ctlake(['detect', '--lake', lake, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('keeps event findings inside --since/--until', async () => {
    const since = '2026-03-07T00:00:00Z';
    const until = '2026-03-08T09:00:00Z';
    const inside = (t: string | null): boolean =>
      Date.parse(t ?? '') >= Date.parse(since) && Date.parse(t ?? '') < Date.parse(until);
    const run = await ctlake([
      'detect',
      '--lake',
      lake,
      '--pack',
      'genai',
      '--since',
      since,
      '--until',
      until,
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const findings = JSON.parse(run.stdout) as Finding[];
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.kind).toBe('event');
      expect(inside(f.time), `${f.rule} at ${f.time}`).toBe(true);
      for (const e of f.events)
        expect(inside(e.eventTime), `${f.rule}: ${String(e.eventTime)}`).toBe(true);
    }
    // The whole lake has genai findings on both sides of the window, and across it.
    const whole = ofPack('ctlake-genai-');
    expect(whole.some((f) => f.events.every((e) => !inside(e.eventTime)))).toBe(true);
    expect(
      whole.some(
        (f) =>
          f.events.some((e) => inside(e.eventTime)) && f.events.some((e) => !inside(e.eventTime)),
      ),
    ).toBe(true);
    const total = (list: Finding[]): number => list.reduce((n, f) => n + f.eventCount, 0);
    expect(total(findings)).toBeLessThan(total(whole));
  });
});
