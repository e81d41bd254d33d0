/**
 * `report()`: the audit report of a time range of the lake, as data (report.ts). Its facts come
 * from the report's own query pack (`sql/report/*.sql`, CloudTrail Lake SQL with the range as
 * bound `${since}`/`${until}`, all run on one view of the lake), the lake's catalog (read, never
 * written), the findings of `detect` (the last complete run's when it covers the range, else a
 * run now), and an investigation of every principal with a high or critical finding.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LAKE_DIR, DEFAULT_LEARNING_DAYS } from '../defaults.js';
import { detect } from '../detect/detect.js';
import { type Finding, SEVERITIES, type Severity } from '../detect/finding.js';
import { cellText, isoSeconds, lakeTimeRange, timestampText } from '../detect/lake-rows.js';
import { builtInPacks, ruleFiles } from '../detect/rules.js';
import { partSetFingerprint, savedFindingsFor } from '../detect/saved-findings.js';
import { investigateEach, type InvestigateRequest } from '../investigate/investigate.js';
import type { Investigation } from '../investigate/investigation.js';
import { type CatalogRead, readCatalogFacts } from '../lake/catalog-facts.js';
import { lakeLayout } from '../lake/layout.js';
import { type NamedQuery, loadNamedQueries } from '../query/named-queries.js';
import type { JsonValue } from '../query/json-value.js';
import { querySession, type SessionTableRunner } from '../query/run-query.js';
import { packagePath, packageVersion } from '../util/package-files.js';
import { parseTimeScope } from '../util/time-scope.js';
import { shellWord } from '../text/shell-word.js';
import {
  type AlarmTimeline,
  type Bucket,
  type IntegrityStatus,
  type Report,
  REPORT_FORMAT,
  type ReportInvestigation,
  type ReportQuery,
  type ReportTable,
} from './report.js';

const DAY_MS = 86_400_000;
/** The events of an investigation's timeline the report holds (its command lists them all). */
export const TIMELINE_LIMIT = 100;

export const REPORT_QUERY_DIR = packagePath('sql', 'report');

export interface ReportOptions {
  readonly lakeDir?: string;
  /** A day or ISO time (default: the whole days the lake's events fall in). */
  readonly since?: string;
  readonly until?: string;
  readonly title?: string;
  /** Told each step as it starts, for a progress line on a terminal. */
  readonly onStep?: (step: string, index: number, steps: number) => void;
  readonly signal?: AbortSignal;
}

/** Hours for up to 3 days, days for up to 120, else weeks: a readable number of columns. */
export function bucketFor(since: number, until: number): Bucket {
  const days = (until - since) / DAY_MS;
  return days <= 3 ? 'hour' : days <= 120 ? 'day' : 'week';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What the report ran and checks against: its query texts and the detection rules, by name. */
function queriesChecksum(queries: readonly NamedQuery[]): string {
  const texts = [
    ...queries.map((q) => `sql/report/${q.file}\n${q.sql}`),
    ...ruleFiles(builtInPacks(), []).map(
      (file) => `${path.relative(packagePath(), file)}\n${readFileSync(file, 'utf8')}`,
    ),
  ].sort();
  return sha256(texts.join('\n\0'));
}

function partsChecksum(lakeDir: string, catalog: CatalogRead): { sha256: string; parts: number } {
  if (!catalog.ok) {
    return { sha256: partSetFingerprint(lakeDir), parts: Number.NaN };
  }
  const lines = catalog.facts.parts.map((p) => `${p.part} ${p.sha256 ?? ''}`).sort();
  return { sha256: sha256(lines.join('\n')), parts: lines.length };
}

const num = (value: JsonValue | undefined): number => Number(value ?? 0);
const str = (value: JsonValue | undefined): string | null => cellText(value);

/** Runs the report's queries, keeping each one's text, parameters and result. */
class QueryLog {
  readonly ran: ReportQuery[] = [];
  readonly #queries: ReadonlyMap<string, NamedQuery>;
  readonly #run: SessionTableRunner;

  constructor(queries: readonly NamedQuery[], run: SessionTableRunner) {
    this.#queries = new Map(queries.map((q) => [q.name, q]));
    this.#run = run;
  }

  async table(name: string, given: Readonly<Record<string, string>>): Promise<ReportTable> {
    const query = this.#queries.get(name);
    if (query === undefined) throw new Error(`sql/report has no query ${name}`);
    // Every declared parameter gets a value: the range, else the header's default.
    const parameters = Object.fromEntries(
      query.parameters.map((p) => [p.name, given[p.name] ?? p.defaultValue ?? '']),
    );
    const result = await this.#run(query.sql, parameters);
    this.ran.push({
      name: query.name,
      title: query.title,
      description: query.description,
      file: `sql/report/${query.file}`,
      sql: query.sql,
      parameters,
      rows: result.rows.length,
    });
    return {
      query: query.name,
      title: query.title,
      description: query.description,
      columns: result.columns,
      rows: result.rows,
    };
  }
}

/** The GenAI activity tables, in the report's order (its charts come from the others). */
const GENAI_TABLES = [
  'report-bedrock-agents-and-knowledge-bases',
  'report-bedrock-guardrail-and-logging-changes',
  'report-bedrock-model-access-enumeration',
  'report-qbusiness-calls-by-api',
  'report-qbusiness-document-deletions',
  'report-qbusiness-sync-jobs',
  'report-qdeveloper-scans',
  'report-sagemaker-activity',
  'report-s3-training-data-reads',
  'report-s3-training-data-deletions',
  'report-ec2-launched-by-ml-roles',
];

function integrityOf(table: ReportTable): IntegrityStatus {
  const count = (status: string | null): number =>
    table.rows
      .filter((r) => str(r['verification']) === status)
      .reduce((sum, r) => sum + num(r['objects']), 0);
  const last = table.rows
    .map((r) => str(r['lastVerified']))
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1);
  return {
    valid: count('valid'),
    invalid: count('invalid'),
    notCovered: count('not-covered'),
    unverified: count(null),
    lastVerified: last ?? null,
    problems: [],
  };
}

function alarmTimelines(findings: readonly Finding[]): AlarmTimeline[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.kind === 'alarm') byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  }
  return [...byRule].map(([rule, list]) => {
    const d = list[0]?.details ?? {};
    return {
      rule,
      title: list[0]?.title ?? rule,
      threshold: Number(d['threshold'] ?? 0),
      comparisonOperator: cellText(d['comparisonOperator']) ?? '',
      period: Number(d['period'] ?? 0),
      transitions: list
        .map((f) => ({
          time: f.time,
          value: typeof f.details['value'] === 'number' ? f.details['value'] : null,
        }))
        .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0)),
    };
  });
}

/** Principals with a high or critical finding, the most such findings first. */
function principalsToInvestigate(findings: readonly Finding[]): [string, Finding[]][] {
  const byPrincipal = new Map<string, Finding[]>();
  for (const f of findings) {
    if ((f.severity === 'high' || f.severity === 'critical') && f.principal !== null) {
      byPrincipal.set(f.principal, [...(byPrincipal.get(f.principal) ?? []), f]);
    }
  }
  return [...byPrincipal].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

/**
 * One principal's investigation request. Detective's default scope: the 24 hours up to its last
 * high finding, against the baseline before them, so "new" means new around the incident.
 */
function investigationRequest(
  principal: string,
  serious: readonly Finding[],
  range: { readonly since: number; readonly until: number },
  findings: Report['findings'],
): InvestigateRequest & { readonly since: string; readonly until: string } {
  const last = Math.max(...serious.map((f) => Date.parse(f.time)));
  const invUntil = Math.min(range.until, last + 1000);
  const since = isoSeconds(Math.max(range.since, invUntil - DAY_MS));
  const until = isoSeconds(invUntil);
  return {
    entity: principal,
    since,
    until,
    timelinePage: { page: 1, size: TIMELINE_LIMIT },
    // The principal's findings in the investigation's scope, as the report has them.
    entityFindings: {
      findings: findings.items.filter(
        (f) => f.principal === principal && f.time >= since && f.time < until,
      ),
      from: findings.from,
    },
  };
}

export async function report(options: ReportOptions = {}): Promise<Report> {
  const lakeDir = options.lakeDir ?? DEFAULT_LAKE_DIR;
  const requested = parseTimeScope(options.since, options.until);
  const steps = [
    'reading the catalog',
    'querying the lake',
    'detections',
    'investigations',
  ] as const;
  const step = (name: (typeof steps)[number]): void =>
    options.onStep?.(name, steps.indexOf(name) + 1, steps.length);
  const signal = options.signal === undefined ? {} : { signal: options.signal };

  step('reading the catalog');
  const catalog = await readCatalogFacts(lakeLayout(lakeDir));
  const queries = loadNamedQueries(REPORT_QUERY_DIR);

  step('querying the lake');
  const lake = await querySession({ lakeDir, ...signal }, async (run, runTable) => {
    const range = await lakeTimeRange(run);
    const since =
      requested.from?.getTime() ??
      (Number.isNaN(range.first) ? Date.now() - DAY_MS : Math.floor(range.first / DAY_MS) * DAY_MS);
    const until =
      requested.to?.getTime() ??
      (Number.isNaN(range.last) ? since + DAY_MS : (Math.floor(range.last / DAY_MS) + 1) * DAY_MS);
    const scopeGiven = !Number.isNaN(range.first) || requested.from !== undefined;
    const bucket = bucketFor(since, until);
    const log = new QueryLog(queries, runTable);
    const window = { since: timestampText(since), until: timestampText(until) };
    const overview = await log.table('report-overview', window);
    const activity = await log.table('report-activity', { ...window, bucket });
    const integrity = await log.table('report-integrity', window);
    const problems = await log.table('report-integrity-problems', window);
    const genaiServices = await log.table('report-genai-services', window);
    const principals = await log.table('report-principals', window);
    const bedrockOverTime = await log.table('report-bedrock-invocations-over-time', {
      ...window,
      bucket,
    });
    const genai: ReportTable[] = [];
    for (const name of GENAI_TABLES) genai.push(await log.table(name, window));
    return {
      since,
      until,
      scopeGiven,
      bucket,
      overview,
      activity,
      // Every ingested object is in cloudtrail_objects: the integrity counts add up to them all.
      objects: integrity.rows.reduce((sum, r) => sum + num(r['objects']), 0),
      integrity: {
        ...integrityOf(integrity),
        problems: problems.rows.map((r) => ({
          uri: cellText(r['uri']) ?? '',
          reason: str(r['reason']),
        })),
      },
      genaiServices,
      principals,
      bedrockOverTime,
      genai,
      ran: log.ran,
    };
  });

  const events = lake.overview.rows.reduce((sum, r) => sum + num(r['events']), 0);
  const errors = lake.overview.rows.reduce((sum, r) => sum + num(r['errors']), 0);
  const throttled = lake.overview.rows.reduce((sum, r) => sum + num(r['throttled']), 0);
  const times = (key: string): string[] =>
    lake.overview.rows
      .map((r) => str(r[key]))
      .filter((t): t is string => t !== null)
      .sort();
  const scope = { since: isoSeconds(lake.since), until: isoSeconds(lake.until) };

  step('detections');
  let findings: Report['findings'] = { from: 'saved', items: [], skipped: [] };
  if (events > 0) {
    const saved = savedFindingsFor(lakeDir, lake.since, lake.until, DEFAULT_LEARNING_DAYS);
    if (saved !== undefined) {
      // Saved over a range that may be wider: only those of this one.
      const items = saved.filter((f) => f.time >= scope.since && f.time < scope.until);
      findings = { from: 'saved', items, skipped: [] };
    } else {
      const result = await detect({ lakeDir, since: scope.since, until: scope.until, ...signal });
      findings = { from: 'detected', items: result.findings, skipped: result.skipped };
    }
  }
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((s) => [s, findings.items.filter((f) => f.severity === s).length]),
  ) as Record<Severity, number>;

  step('investigations');
  // All on one view of the lake: their profiles are computed together (investigate/profiles.ts).
  const serious = principalsToInvestigate(findings.items);
  const requests = serious.map(([principal, list]) =>
    investigationRequest(principal, list, { since: lake.since, until: lake.until }, findings),
  );
  const done = requests.length === 0 ? [] : await investigateEach(requests, { lakeDir, ...signal });
  const investigations: ReportInvestigation[] = requests.map((request, k) => ({
    principal: request.entity,
    findings: serious[k]?.[1].length ?? 0,
    investigation: done[k] as Investigation,
    command: ['ctlake', 'investigate', request.entity, '--lake', lakeDir]
      .concat(['--since', request.since, '--until', request.until, '--detect', '--format', 'json'])
      .map(shellWord)
      .join(' '),
  }));

  const { sha256: partsSha256, parts } = partsChecksum(lakeDir, catalog);
  return {
    format: REPORT_FORMAT,
    title: options.title ?? 'CloudTrail audit report',
    generatedAt: new Date().toISOString(),
    scope: lake.scopeGiven ? scope : null,
    empty: events === 0,
    bucket: lake.bucket,
    provenance: {
      lake: lakeDir,
      ctlakeVersion: packageVersion(),
      accounts: [...new Set(lake.overview.rows.map((r) => str(r['accountId']) ?? '-'))].sort(),
      regions: [...new Set(lake.overview.rows.map((r) => str(r['region']) ?? '-'))].sort(),
      objects: lake.objects,
      events,
      firstEvent: times('firstEvent')[0] ?? null,
      lastEvent: times('lastEvent').at(-1) ?? null,
      unreadableObjects: catalog.ok ? catalog.facts.unreadable : null,
      catalogNote: catalog.ok ? null : catalog.reason,
      queriesSha256: queriesChecksum(queries),
      partsSha256,
      parts,
      integrity: lake.integrity,
    },
    summary: {
      findingsBySeverity: bySeverity,
      genaiServices: lake.genaiServices,
      principals: lake.principals,
      events,
      errors,
      throttled,
      errorRate: events === 0 ? 0 : errors / events,
      throttlingRate: events === 0 ? 0 : throttled / events,
    },
    activity: lake.activity,
    genai: lake.genai,
    bedrockOverTime: lake.bedrockOverTime,
    findings,
    alarms: alarmTimelines(findings.items),
    investigations,
    queries: lake.ran,
  };
}
