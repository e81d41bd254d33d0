/**
 * An investigation as one self-contained HTML page (html.ts: inline CSS, no request anywhere,
 * log text escaped), readable without JavaScript and printable; the report's investigation
 * pages use the same `investigationSection`.
 */
import { htmlPage, htmlText } from '../text/html.js';
import type { Investigation } from './investigation.js';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:1.4em;word-break:break-all}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right}.new{font-weight:bold;color:#a00}.muted{color:#555}
code{word-break:break-all}
@media print{body{margin:0}h2{break-after:avoid}table{page-break-inside:auto}tr{break-inside:avoid}}`;

type Cell = string | number | null | { readonly new: boolean };

function cell(value: Cell): string {
  if (value === null) return '<td class="muted">-</td>';
  if (typeof value === 'number') return `<td class="n">${String(value)}</td>`;
  if (typeof value === 'object') return value.new ? '<td class="new">NEW</td>' : '<td></td>';
  return `<td><code>${htmlText(value)}</code></td>`;
}

function table(
  title: string,
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  if (rows.length === 0) return '';
  return `<h2>${htmlText(title)}</h2>
<table><thead><tr>${headers.map((h) => `<th>${htmlText(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n')}</tbody></table>`;
}

/** The panels and timeline of one investigation, as a section of a page. */
export function investigationSection(inv: Investigation): string {
  const t = inv.totals;
  const b = inv.baselineTotals;
  const head = `<h1>${htmlText(inv.entity.kind)} <code>${htmlText(inv.entity.id)}</code></h1>
<p>Scope ${htmlText(inv.scope.since)} to ${htmlText(inv.scope.until)}; baseline ${htmlText(inv.baseline.since)} to ${htmlText(inv.baseline.until)}.</p>`;
  if (t.events === 0) {
    return `${head}\n<p>No events of this ${htmlText(inv.entity.kind)} in scope (${String(b.events)} in the baseline).</p>`;
  }
  const isNew = (n: boolean): Cell => ({ new: n });
  return [
    head,
    `<p>${String(t.events)} events (${String(t.errors)} errors), first ${htmlText(t.firstSeen ?? '-')}, last ${htmlText(t.lastSeen ?? '-')}; baseline ${String(b.events)} events (${String(b.errors)} errors).</p>`,
    table(
      'Errors',
      ['errorCode', 'events'],
      inv.errorCodes.map((e) => [e.errorCode, e.events]),
    ),
    table(
      'API calls',
      ['eventSource', 'eventName', 'events', 'errors', 'new'],
      inv.apis.map((a) => [a.eventSource, a.eventName, a.events, a.errors, isNew(a.newInScope)]),
    ),
    table(
      'Regions',
      ['region', 'events', 'new'],
      inv.regions.map((r) => [r.region, r.events, isNew(r.newInScope)]),
    ),
    table(
      'Source IPs',
      ['ip', 'events', 'new'],
      inv.sourceIPs.map((r) => [r.ip, r.events, isNew(r.newInScope)]),
    ),
    table(
      'User agents',
      ['userAgent', 'events', 'new'],
      inv.userAgents.map((r) => [r.userAgent, r.events, isNew(r.newInScope)]),
    ),
    table(
      'Access keys',
      ['accessKeyId', 'events', 'new'],
      inv.accessKeys.map((r) => [r.accessKeyId, r.events, isNew(r.newInScope)]),
    ),
    table(
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
    table(
      'Sessions',
      ['arn', 'events', 'firstSeen', 'lastSeen'],
      inv.sessions.map((s) => [s.arn, s.events, s.firstSeen, s.lastSeen]),
    ),
    table(
      'Roles assumed in turn',
      ['roleArn', 'account', 'assumeCalls', 'sessionEvents'],
      inv.assumedRoles.map((r) => [r.roleArn, r.account, r.assumeCalls, r.sessionEvents]),
    ),
    table(
      'Resources',
      ['resource', 'events'],
      inv.resources.map((r) => [r.arn, r.events]),
    ),
    table(
      'Principals',
      ['principal', 'events', 'new'],
      inv.principals.map((p) => [p.principal, p.events, isNew(p.newInScope)]),
    ),
    table(
      'Findings',
      ['severity', 'rule', 'title', 'time', 'events'],
      inv.findings.map((f) => [f.severity, f.rule, f.title, f.time, f.eventCount]),
    ),
    table(
      `Timeline (${String(inv.timeline.length)} events)`,
      [
        'eventTime',
        'eventSource',
        'eventName',
        'awsRegion',
        'sourceIPAddress',
        'errorCode',
        'eventID',
        'sourceObject',
        'recordIndex',
      ],
      inv.timeline.map((e) => [
        e.eventTime,
        e.eventSource,
        e.eventName,
        e.awsRegion,
        e.sourceIPAddress,
        e.errorCode,
        e.eventID,
        e.sourceObject,
        e.recordIndex,
      ]),
    ),
  ].join('\n');
}

export function investigationHtml(inv: Investigation): string {
  return htmlPage(`ctlake investigation: ${inv.entity.id}`, CSS, investigationSection(inv));
}
