/**
 * `ctlake report` on a generated lake with a planted incident and two hostile records: the JSON
 * is checked against the generated records themselves (test/util/oracle.ts), the queries it
 * lists are run again and give the same rows, the log text planted to attack a reader stays
 * inert in the HTML and the Markdown, and the page is looked at in a real headless Chromium —
 * no request leaves it, no console error, no chart text clipped or overlapping, the incident's
 * principal on it, and a PDF of a sane length.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArchiveManifest,
  generateArchive,
  MAIN_ACCOUNT,
} from '../../fixtures/generator/archive.js';
import { SEED_003_REGION } from '../../fixtures/generator/scenario.js';
import type { Report } from '../../src/report/report.js';
import { ctlake, REPO_ROOT, tempDir } from '../util/cli.js';
import { eventMs, type Rec, readRecords } from '../util/oracle.js';

const root = tempDir('report');
const archive = path.join(root, 'archive');
const lake = path.join(root, 'lake');
const keysFile = path.join(root, 'public-keys.json');
const END = '2026-03-08T00:00:00Z';
/** Screenshots kept for a person to look at (not committed). */
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

const HOSTILE_AGENT =
  '<script>alert("ua")</script>\u001b[2J\u001b]0;owned\u0007 | *bold* [x](http://evil)';
const HOSTILE_KEY = '<img src=x onerror=alert("key")>\u001b[31mred\u202e.csv';
const TRAINING_BUCKET = `genai-training-data-${MAIN_ACCOUNT}`;

let manifest: ArchiveManifest;
let records: Rec[] = [];
let report: Report;

function hostileRecords(): Rec[] {
  const common = {
    eventVersion: '1.09',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.201',
    userAgent: HOSTILE_AGENT,
    readOnly: true,
    managementEvent: false,
    recipientAccountId: MAIN_ACCOUNT,
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAHOSTILEEXAMPLE02',
      arn: `arn:aws:iam::${MAIN_ACCOUNT}:user/intruder`,
      accountId: MAIN_ACCOUNT,
      userName: 'intruder',
    },
  };
  return [
    {
      ...common,
      eventTime: '2026-03-06T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'DeleteObject',
      eventCategory: 'Data',
      readOnly: false,
      requestParameters: { bucketName: TRAINING_BUCKET, key: HOSTILE_KEY },
      eventID: 'f0f0f0f0-0000-4000-8000-0000000000a1',
      eventType: 'AwsApiCall',
    },
    {
      ...common,
      eventTime: '2026-03-06T10:05:00Z',
      eventSource: 'codewhisperer.amazonaws.com',
      eventName: 'StartCodeAnalysis',
      eventCategory: 'Management',
      requestParameters: { artifacts: { SourceCode: 'x' } },
      eventID: 'f0f0f0f0-0000-4000-8000-0000000000a2',
      eventType: 'AwsApiCall',
    },
  ];
}

async function reportJson(...extra: string[]): Promise<Report> {
  const result = await ctlake([
    'report',
    '--lake',
    lake,
    '--format',
    'json',
    '--out',
    '-',
    ...extra,
  ]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/^report: stdout \(\d+ KB\): /m);
  return JSON.parse(result.stdout) as Report;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

beforeAll(async () => {
  manifest = await generateArchive({
    outDir: archive,
    events: 20_000,
    seed: 17,
    end: new Date(END),
    days: 7,
    gzipLevel: 1,
    publicKeysFile: keysFile,
  });
  mkdirSync(path.join(archive, 'forged'));
  writeFileSync(
    path.join(archive, 'forged', 'hostile.json.gz'),
    gzipSync(JSON.stringify({ Records: hostileRecords() })),
  );
  records = readRecords(archive);
  const ingested = await ctlake(['ingest', archive, '--lake', lake, '--quiet']);
  expect(ingested.code, ingested.stderr).toBe(0);
  report = await reportJson();
}, 180_000);

describe('ctlake report --format json', () => {
  it('covers the whole days of the lake, with provenance counted from the records', () => {
    const times = records.map(eventMs).sort((a, b) => a - b);
    const day = 86_400_000;
    const first = times[0] ?? 0;
    const last = times.at(-1) ?? 0;
    expect(report.format).toBe('ctlake-report/1');
    expect(report.empty).toBe(false);
    expect(report.scope).toEqual({
      since: new Date(Math.floor(first / day) * day).toISOString().replace('.000Z', 'Z'),
      until: new Date((Math.floor(last / day) + 1) * day).toISOString().replace('.000Z', 'Z'),
    });
    const p = report.provenance;
    expect(p.events).toBe(records.length);
    expect(p.events).toBe(manifest.events + manifest.insightEvents + 2);
    expect(p.accounts).toEqual(
      [...new Set(records.map((r) => str(r['recipientAccountId']) ?? '-'))].sort(),
    );
    expect(p.regions).toEqual([...new Set(records.map((r) => str(r['awsRegion']) ?? '-'))].sort());
    expect(p.objects).toBe(manifest.logFiles + manifest.insightFiles + 1);
    expect(p.unreadableObjects).toEqual([]);
    expect(p.partsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.queriesSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.integrity.unverified).toBe(p.objects);
    const s = report.summary;
    expect(s.errors).toBe(records.filter((r) => str(r['errorCode']) !== null).length);
    expect(report.activity.rows.reduce((n, r) => n + Number(r['events']), 0)).toBe(records.length);
  });

  it('counts the GenAI activity as the records have it', () => {
    const bedrock = report.summary.genaiServices.rows.find(
      (r) => r['eventSource'] === 'bedrock.amazonaws.com',
    );
    expect(bedrock?.['events']).toBe(
      records.filter((r) => r['eventSource'] === 'bedrock.amazonaws.com').length,
    );
    const qbusiness = report.genai.find((t) => t.query === 'report-qbusiness-calls-by-api');
    const want = new Map<string, number>();
    for (const r of records) {
      if (r['eventSource'] !== 'qbusiness.amazonaws.com') continue;
      const name = str(r['eventName']) ?? '';
      want.set(name, (want.get(name) ?? 0) + 1);
    }
    expect(new Map(qbusiness?.rows.map((r) => [str(r['eventName']), Number(r['calls'])]))).toEqual(
      want,
    );
    const invocations = new Set([
      'InvokeModel',
      'InvokeModelWithResponseStream',
      'Converse',
      'ConverseStream',
    ]);
    expect(report.bedrockOverTime.rows.reduce((n, r) => n + Number(r['calls']), 0)).toBe(
      records.filter(
        (r) =>
          r['eventSource'] === 'bedrock.amazonaws.com' &&
          invocations.has(str(r['eventName']) ?? ''),
      ).length,
    );
    const deletions = report.genai.find((t) => t.query === 'report-s3-training-data-deletions');
    expect(deletions?.rows.some((r) => r['objectKey'] === HOSTILE_KEY)).toBe(true);
  });

  it('investigates every principal with a high or critical finding, the planted incident among them', () => {
    const launch = manifest.planted.find(
      (p) => p.eventName === 'RunInstances' && p.awsRegion === SEED_003_REGION,
    );
    if (launch?.arn === undefined) throw new Error('the archive has no seed 003 RunInstances');
    const serious = new Set(
      report.findings.items
        .filter((f) => f.severity === 'high' || f.severity === 'critical')
        .map((f) => f.principal),
    );
    expect(serious.has(launch.arn)).toBe(true);
    expect(new Set(report.investigations.map((i) => i.principal))).toEqual(serious);
    const incident = report.investigations.find((i) => i.principal === launch.arn);
    expect(incident?.investigation.regions.map((r) => r.region)).toContain(SEED_003_REGION);
    expect(incident?.investigation.timeline.length).toBeLessThanOrEqual(100);
    const bySeverity = Object.values(report.summary.findingsBySeverity).reduce((a, b) => a + b, 0);
    expect(bySeverity).toBe(report.findings.items.length);
    expect(report.findings.from).toBe('detected');
  });

  it('lists every query it ran, and each gives the same rows when run again', async () => {
    const names = report.queries.map((q) => q.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'report-overview',
        'report-genai-services',
        'report-bedrock-invocations-over-time',
        'report-ec2-launched-by-ml-roles',
      ]),
    );
    for (const name of ['report-overview', 'report-qbusiness-calls-by-api']) {
      const q = report.queries.find((x) => x.name === name);
      if (q === undefined) throw new Error(`no ${name}`);
      const again = await ctlake([
        'query',
        '--lake',
        lake,
        '--file',
        path.join(REPO_ROOT, q.file),
        '--format',
        'json',
        ...Object.entries(q.parameters).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
      ]);
      expect(again.code, again.stderr).toBe(0);
      const rows = JSON.parse(again.stdout) as unknown[];
      expect(rows).toHaveLength(q.rows);
    }
  });

  it('uses the findings ctlake detect saved when they cover the range', async () => {
    const again = await reportJson();
    expect(again.findings.from).toBe('saved');
    expect(again.findings.items).toEqual(report.findings.items);
    // The same report again, row for row: every table's order is total (ties broken by eventID).
    expect(again.genai).toEqual(report.genai);
    expect(again.activity).toEqual(report.activity);
    expect(again.investigations.map((i) => i.investigation.timeline)).toEqual(
      report.investigations.map((i) => i.investigation.timeline),
    );
  });

  it('says so, briefly, for a range with no events, and for a lake with none', async () => {
    const empty = await reportJson('--since', '2001-01-01', '--until', '2001-01-02');
    expect(empty.empty).toBe(true);
    expect(empty.investigations).toEqual([]);
    const md = await ctlake([
      'report',
      '--lake',
      lake,
      '--since',
      '2001-01-01',
      '--until',
      '2001-01-02',
      '--format',
      'md',
      '--out',
      '-',
    ]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('No events fall in this range');

    const nothing = path.join(root, 'nothing');
    mkdirSync(nothing);
    const emptyLake = path.join(root, 'empty-lake');
    expect((await ctlake(['ingest', nothing, '--lake', emptyLake, '--quiet'])).code).toBe(0);
    const out = path.join(root, 'empty.html');
    const result = await ctlake(['report', '--lake', emptyLake, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('The lake holds no events');
  });

  it('states the integrity ctlake verify recorded for the objects of the range', async () => {
    // The forged file is in no digest: verify exits 1 and records it as not covered.
    const verified = await ctlake(['verify', archive, '--public-keys', keysFile, '--lake', lake]);
    expect(verified.code, verified.stderr).toBe(1);
    const after = await reportJson();
    expect(after.provenance.integrity).toMatchObject({
      valid: manifest.logFiles + manifest.insightFiles,
      invalid: 0,
      notCovered: 1,
      unverified: 0,
      problems: [],
    });
    const md = await ctlake(['report', '--lake', lake, '--format', 'md', '--out', '-']);
    expect(md.stdout).toContain(
      `${(manifest.logFiles + manifest.insightFiles).toLocaleString('en-US')} of ${after.provenance.objects.toLocaleString('en-US')} source objects valid`,
    );
  });

  it('refuses a bad time or a missing lake in one line', async () => {
    const bad = await ctlake(['report', '--lake', lake, '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await ctlake(['report', '--lake', path.join(root, 'no-such-lake')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('no-such-lake');
  });
});

describe('log text in the report stays text', () => {
  it('in the Markdown: no tag, no escape sequence, no markup from the log', async () => {
    const result = await ctlake(['report', '--lake', lake, '--format', 'md', '--out', '-']);
    expect(result.code, result.stderr).toBe(0);
    const md = result.stdout;
    // eslint-disable-next-line no-control-regex -- no control character may reach the file
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(md).not.toContain('<script');
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;script&gt;alert("ua")&lt;/script&gt;\\\\x1b');
    expect(md).toContain('&lt;img src=x onerror=alert("key")&gt;\\\\x1b');
    // The pipe and the link in the user agent cannot break a table row or make a link.
    expect(md).toContain('\\| \\*bold\\* \\[x\\](http://evil)');
  });

  it('in the HTML: escaped, and no control character reaches the page', async () => {
    const out = path.join(root, 'hostile.html');
    expect((await ctlake(['report', '--lake', lake, '--out', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    // eslint-disable-next-line no-control-regex -- no control character may reach the file
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(&quot;key&quot;)&gt;\\x1b[31mred');
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'`,
    );
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Box {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Every chart's size and the boxes of its texts, as Chromium lays them out. */
const CHART_TEXTS = `[...document.querySelectorAll('figure svg')].map((svg) => ({
  width: svg.viewBox.baseVal.width,
  height: svg.viewBox.baseVal.height,
  texts: [...svg.querySelectorAll('text')].map((t) => {
    const b = t.getBBox();
    return { text: t.textContent, x: b.x, y: b.y, width: b.width, height: b.height };
  }),
}))`;

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in a real headless Chromium', () => {
  let browser: Browser;
  const out = path.join(root, 'report.html');

  beforeAll(async () => {
    const result = await ctlake(['report', '--lake', lake, '--out', out, '--title', 'Audit <Q1>']);
    expect(result.code, result.stderr).toBe(0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser.close();
  });

  it('loads nothing but itself, logs no error, runs no script, and shows the incident', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    const requests: string[] = [];
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`file://${out}`);
    expect(requests).toEqual([`file://${out}`]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await page.locator('script, img, iframe, object').count()).toBe(0);
    expect(await page.title()).toBe('Audit <Q1>');
    const launch = manifest.planted.find(
      (p) => p.eventName === 'RunInstances' && p.awsRegion === SEED_003_REGION,
    );
    const heading = page.locator('#investigations h3', { hasText: launch?.arn ?? '?' });
    await expect(heading.first().isVisible()).resolves.toBe(true);
    await expect(page.getByText(HOSTILE_KEY.slice(0, 12)).first().isVisible()).resolves.toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-first-page.png') });
    await page.close();
  });

  it('draws every chart with its text whole, inside it and apart', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${out}`);
    const charts =
      await page.evaluate<{ width: number; height: number; texts: Box[] }[]>(CHART_TEXTS);
    expect(charts.length).toBeGreaterThanOrEqual(5);
    for (const chart of charts) {
      for (const t of chart.texts) {
        expect(t.x, t.text).toBeGreaterThanOrEqual(0);
        expect(t.y, t.text).toBeGreaterThanOrEqual(0);
        expect(t.x + t.width, t.text).toBeLessThanOrEqual(chart.width);
        expect(t.y + t.height, t.text).toBeLessThanOrEqual(chart.height);
      }
      chart.texts.forEach((a, i) => {
        for (const b of chart.texts.slice(i + 1)) {
          expect(overlaps(a, b), `"${a.text}" overlaps "${b.text}"`).toBe(false);
        }
      });
    }
    await page.close();
  });

  it('prints to a PDF of a sane length', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${out}`);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
    // One page at least per section (they break before each), and not a ream.
    expect(pages).toBeGreaterThanOrEqual(6);
    expect(pages).toBeLessThanOrEqual(150);
    await page.close();
  });
});
