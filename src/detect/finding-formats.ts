/**
 * Findings written for the tools that take them: a JSON array (the contract of finding.ts),
 * NDJSON (one finding per line, for log shippers), CSV (one row per finding; formula-like cells
 * neutralised, since a principal's name is chosen by whoever made the calls), OCSF Detection
 * Finding objects (class 2004, schema 1.3.0: AWS Security Lake and SIEMs read them), and a table
 * for a person, grouped by severity, every value from the log shown inert.
 */
import { createHash } from 'node:crypto';
import type { FindingFormat } from '../defaults.js';
import { csvField, csvSafeText } from '../query/formats.js';
import { terminalSafe } from '../text/terminal-safe.js';
import { type Finding, SEVERITIES, type Severity } from './finding.js';

export { FINDING_FORMATS, type FindingFormat } from '../defaults.js';

const CSV_COLUMNS = [
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
] as const;

function csvRow(f: Finding): string {
  const first = f.events[0];
  const cells: (string | null)[] = [
    f.severity,
    f.rule,
    f.title,
    f.kind,
    f.time,
    f.principal,
    f.accountId,
    f.region,
    f.eventSource,
    f.eventName,
    String(f.eventCount),
    f.mitre.join(' '),
    first?.eventID ?? null,
    first?.sourceObject ?? null,
    first === undefined ? null : String(first.recordIndex),
    JSON.stringify(f.details),
  ];
  return cells.map((cell) => csvField(csvSafeText(cell))).join(',');
}

const OCSF_SEVERITY: Readonly<Record<Severity, [number, string]>> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

/** A finding's stable id: the same finding from the same lake gets the same uid. */
export function findingUid(f: Finding): string {
  const first = f.events[0];
  return createHash('sha256')
    .update(
      JSON.stringify([
        f.rule,
        f.principal,
        f.accountId,
        f.region,
        f.time,
        f.eventName,
        first ?? null,
      ]),
    )
    .digest('hex')
    .slice(0, 32);
}

/** The finding as an OCSF 1.3.0 Detection Finding (class 2004, activity Create). */
export function ocsfFinding(f: Finding, version: string): Record<string, unknown> {
  const [severityId, severity] = OCSF_SEVERITY[f.severity];
  const ms = Date.parse(f.time);
  const lastTime = f.details['lastTime'];
  return {
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    time: ms,
    severity_id: severityId,
    severity,
    status_id: 1,
    status: 'New',
    message: f.title,
    count: f.eventCount,
    metadata: {
      version: '1.3.0',
      product: { name: 'ctlake', vendor_name: 'ctlake', version },
    },
    finding_info: {
      uid: findingUid(f),
      title: f.title,
      types: [f.kind],
      first_seen_time: ms,
      ...(typeof lastTime === 'string' ? { last_seen_time: Date.parse(lastTime) } : {}),
      data_sources: ['AWS CloudTrail'],
      analytic: { uid: f.rule, name: f.title, type_id: 1, type: 'Rule' },
      attacks: f.mitre.map((uid) => ({ technique: { uid } })),
    },
    cloud: {
      provider: 'AWS',
      ...(f.region === null ? {} : { region: f.region }),
      ...(f.accountId === null ? {} : { account: { uid: f.accountId, type: 'AWS Account' } }),
    },
    ...(f.principal === null ? {} : { actor: { user: { uid: f.principal } } }),
    ...(f.eventName === null
      ? {}
      : {
          api: {
            operation: f.eventName,
            ...(f.eventSource === null ? {} : { service: { name: f.eventSource } }),
          },
        }),
    evidences: f.events.map((e) => ({
      data: {
        eventID: e.eventID,
        eventTime: e.eventTime,
        sourceObject: e.sourceObject,
        recordIndex: e.recordIndex,
      },
    })),
    unmapped: { details: f.details },
  };
}

const COLOURS: Readonly<Record<Severity, string>> = {
  critical: '\u001b[1;35m',
  high: '\u001b[1;31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[2m',
};

/** How many low or info findings the table lists. */
const TABLE_QUIET_LIMIT = 20;

function tableText(findings: readonly Finding[], colour: boolean): string {
  if (findings.length === 0) return 'no findings\n';
  const paint = (severity: Severity, text: string): string =>
    colour ? `${COLOURS[severity]}${text}\u001b[0m` : text;
  const lines: string[] = [];
  for (const severity of [...SEVERITIES].reverse()) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push(paint(severity, `${severity.toUpperCase()} (${String(group.length)})`));
    // Low and info findings can number in the hundreds; a person reads the first and the
    // machine formats carry them all.
    const shown =
      severity === 'low' || severity === 'info' ? group.slice(0, TABLE_QUIET_LIMIT) : group;
    for (const f of shown) {
      const safe = (text: string | null): string => terminalSafe(text ?? '-');
      const author = f.details['author'];
      lines.push(
        `  ${safe(f.time)}  ${safe(f.title)}  [${safe(f.rule)}${f.mitre.length > 0 ? ` ${f.mitre.join(' ')}` : ''}]`,
        `      ${safe(f.principal)}  ${safe(f.accountId)} ${safe(f.region)}  ${safe(f.eventSource)}:${safe(f.eventName)}  ${String(f.eventCount)} event${f.eventCount === 1 ? '' : 's'}`,
      );
      const first = f.events[0];
      if (first !== undefined) {
        lines.push(
          `      first: ${safe(first.sourceObject)} #${String(first.recordIndex)} (${safe(first.eventID)})`,
        );
      }
      if (typeof author === 'string') lines.push(`      rule by ${terminalSafe(author)}`);
    }
    if (shown.length < group.length) {
      lines.push(
        `  … and ${String(group.length - shown.length)} more ${severity} findings (--format json lists all)`,
      );
    }
  }
  const counts = [...SEVERITIES]
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${String(n)} ${s}`);
  lines.push('', `${String(findings.length)} findings: ${counts.join(', ')}`);
  return lines.join('\n') + '\n';
}

export interface FindingWriteOptions {
  /** ctlake's version, for OCSF metadata. */
  readonly version: string;
  /** Colour the table (a terminal). */
  readonly colour?: boolean;
}

/** The findings in `format`, as one string. */
export function formatFindings(
  findings: readonly Finding[],
  format: FindingFormat,
  options: FindingWriteOptions,
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(findings, null, 2) + '\n';
    case 'ndjson':
      return findings.map((f) => JSON.stringify(f) + '\n').join('');
    case 'csv':
      return [CSV_COLUMNS.join(','), ...findings.map(csvRow)].join('\r\n') + '\r\n';
    case 'ocsf':
      return (
        JSON.stringify(
          findings.map((f) => ocsfFinding(f, options.version)),
          null,
          2,
        ) + '\n'
      );
    case 'table':
      return tableText(findings, options.colour ?? false);
    default:
      return format satisfies never;
  }
}
