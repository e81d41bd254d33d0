/**
 * An investigation for a terminal: each panel as a small table, values new in scope marked
 * `NEW`, the timeline a page at a time (`--page`; JSON has it whole). Every value comes from the
 * logs and is shown inert.
 */
import { terminalSafe } from '../text/terminal-safe.js';
import type { Investigation } from './investigation.js';

export const TIMELINE_PAGE = 100;

function table(
  title: string,
  headers: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string[] {
  if (rows.length === 0) return [];
  const cells = rows.map((r) => r.map((c) => terminalSafe(c === null ? '-' : String(c))));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return ['', title, line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
}

const mark = (isNew: boolean): string => (isNew ? 'NEW' : '');

export function investigationText(inv: Investigation, page = 1): string {
  const t = inv.totals;
  const b = inv.baselineTotals;
  const lines = [
    `${inv.entity.kind} ${terminalSafe(inv.entity.id)}`,
    `scope ${inv.scope.since} to ${inv.scope.until}; baseline ${inv.baseline.since} to ${inv.baseline.until}`,
  ];
  if (t.events === 0) {
    lines.push(
      `no events of this ${inv.entity.kind} in scope (${String(b.events)} in the baseline)`,
    );
    return lines.join('\n') + '\n';
  }
  lines.push(
    `events ${String(t.events)} (${String(t.errors)} errors), first ${t.firstSeen ?? '-'}, last ${t.lastSeen ?? '-'}; baseline ${String(b.events)} events (${String(b.errors)} errors)`,
    ...table(
      'Errors',
      ['errorCode', 'events'],
      inv.errorCodes.map((e) => [e.errorCode, e.events]),
    ),
    ...table(
      'API calls',
      ['eventSource', 'eventName', 'events', 'errors', 'new'],
      inv.apis.map((a) => [a.eventSource, a.eventName, a.events, a.errors, mark(a.newInScope)]),
    ),
    ...table(
      'Regions',
      ['region', 'events', 'new'],
      inv.regions.map((r) => [r.region, r.events, mark(r.newInScope)]),
    ),
    ...table(
      'Source IPs',
      ['ip', 'events', 'new'],
      inv.sourceIPs.map((r) => [r.ip, r.events, mark(r.newInScope)]),
    ),
    ...table(
      'User agents',
      ['userAgent', 'events', 'new'],
      inv.userAgents.map((r) => [r.userAgent, r.events, mark(r.newInScope)]),
    ),
    ...table(
      'Access keys',
      ['accessKeyId', 'events', 'new'],
      inv.accessKeys.slice(0, 20).map((r) => [r.accessKeyId, r.events, mark(r.newInScope)]),
    ),
    ...(inv.panels.accessKeys.values > 20
      ? [
          `… ${String(inv.panels.accessKeys.values - 20)} more access keys (${String(inv.panels.accessKeys.newInScope)} of all ${String(inv.panels.accessKeys.values)} new in scope; --format json lists the 1,000 most used)`,
        ]
      : []),
    ...table(
      'Assumed by',
      ['principal', 'sessionName', 'sourceIdentity', 'sourceIPAddress', 'events'],
      inv.assumedBy.map((a) => [
        a.principal,
        a.sessionName,
        a.sourceIdentity,
        a.sourceIPAddress,
        a.events,
      ]),
    ),
    ...table(
      'Sessions',
      ['arn', 'events', 'firstSeen', 'lastSeen'],
      inv.sessions.map((s) => [s.arn, s.events, s.firstSeen, s.lastSeen]),
    ),
    ...table(
      'Roles assumed in turn',
      ['roleArn', 'account', 'assumeCalls', 'sessionEvents'],
      inv.assumedRoles.map((r) => [r.roleArn, r.account, r.assumeCalls, r.sessionEvents]),
    ),
    ...table(
      'Resources',
      ['resource', 'events'],
      inv.resources.slice(0, 30).map((r) => [r.arn, r.events]),
    ),
    ...(inv.panels.resources.values > 30
      ? [
          `… ${String(inv.panels.resources.values - 30)} more resources (--format json lists the 1,000 most used)`,
        ]
      : []),
    ...table(
      'Principals',
      ['principal', 'events', 'new'],
      inv.principals.map((p) => [p.principal, p.events, mark(p.newInScope)]),
    ),
    ...table(
      `Findings (${inv.findingsFrom === 'saved' ? 'from the last ctlake detect run' : 'detections run over the scope'})`,
      ['severity', 'rule', 'title', 'time', 'events'],
      inv.findings.map((f) => [f.severity, f.rule, f.title, f.time, f.eventCount]),
    ),
  );
  const paged = inv.timelinePage;
  const pages = paged?.pages ?? Math.max(1, Math.ceil(inv.timeline.length / TIMELINE_PAGE));
  const p = paged?.page ?? Math.min(Math.max(1, page), pages);
  const slice = paged
    ? inv.timeline
    : inv.timeline.slice((p - 1) * TIMELINE_PAGE, p * TIMELINE_PAGE);
  lines.push(
    ...table(
      `Timeline, page ${String(p)} of ${String(pages)} (${String(inv.totals.events)} events; --page N for another, --format json for all)`,
      [
        'eventTime',
        'eventSource',
        'eventName',
        'awsRegion',
        'sourceIPAddress',
        'errorCode',
        'sourceObject',
        'recordIndex',
      ],
      slice.map((e) => [
        e.eventTime,
        e.eventSource,
        e.eventName,
        e.awsRegion,
        e.sourceIPAddress,
        e.errorCode,
        e.sourceObject,
        e.recordIndex,
      ]),
    ),
  );
  return lines.join('\n') + '\n';
}
