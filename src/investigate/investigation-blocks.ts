/**
 * An investigation as document blocks (text/document.ts): the one panel model that the
 * terminal table, the HTML page, and the report's investigation pages (HTML and Markdown) all
 * render, so they list the same panels with the same caps.
 */
import type { Block, Cell, TableBlock } from '../text/document.js';
import type { Investigation, PanelCount, TimelineEvent } from './investigation.js';

/** How much of the timeline to show, and where the rest is. */
export interface TimelineView {
  readonly title: string;
  readonly events: readonly TimelineEvent[];
  /** Rows shown at most (default: all of `events`). */
  readonly limit?: number;
  /** How many events there are in all, when `events` holds only the first of them. */
  readonly total?: number;
  readonly rest?: string;
}

/** Where a reader finds what a capped panel leaves out. */
export interface PanelCaps {
  /** Said after "N more …" of a panel capped by the investigation itself (PANEL_LIMIT). */
  readonly rest: string;
  /** Rows each panel shows at most (default: all it has). */
  readonly limit?: number;
}

const mark = (isNew: boolean): string => (isNew ? 'NEW' : '');

/** The findings panel's title says where its findings come from. */
const FINDINGS_FROM: Record<Exclude<Investigation['findingsFrom'], 'unsaved'>, string> = {
  saved: 'from the last ctlake detect run',
  detected: 'detections run over the scope',
  skipped: 'left out',
};
/** Said instead of the panel when no saved detect run covers the scope. */
const UNSAVED =
  'none looked up. No complete ctlake detect run covers this scope on the lake as it is: run ctlake detect (every pack; its run is kept beside the lake for every investigation), or investigate with --detect.';
const n = (title: string) => ({ title, numeric: true });
const c = (title: string) => ({ title });

function panel(
  title: string,
  columns: TableBlock['columns'],
  rows: readonly (readonly Cell[])[],
  caps: PanelCaps,
  counted?: PanelCount,
): TableBlock {
  // A panel lists the most used values; `counted` says how many there are in all.
  const total = counted?.values ?? rows.length;
  const shown = Math.min(caps.limit ?? rows.length, rows.length);
  const newNote =
    counted !== undefined && total > shown
      ? `; ${counted.newInScope.toLocaleString('en-US')} of all ${total.toLocaleString('en-US')} new in scope`
      : '';
  return {
    kind: 'table',
    title,
    columns,
    rows,
    limit: shown,
    total,
    rest: `${caps.rest}${newNote}`,
  };
}

/**
 * The findings panel; a line instead when no saved detect run covers the scope, or when the run
 * involves none of the entity's events (an empty table is not drawn).
 */
function findingsBlock(inv: Investigation, caps: PanelCaps): Block {
  if (inv.findingsFrom === 'unsaved')
    return { kind: 'text', tone: 'note', text: `Findings: ${UNSAVED}` };
  const title = `Findings (${FINDINGS_FROM[inv.findingsFrom]})`;
  if (inv.findings.length === 0 && inv.findingsFrom !== 'skipped') {
    return { kind: 'text', text: `${title}: none involve this entity in scope.` };
  }
  return panel(
    title,
    [c('severity'), c('rule'), c('title'), c('time'), n('events')],
    inv.findings.map((f) => [f.severity, f.rule, f.title, f.time, f.eventCount]),
    caps,
  );
}

/** The headline of an investigation: the entity, scope, baseline and totals. */
export function investigationFacts(inv: Investigation): Block {
  const t = inv.totals;
  const b = inv.baselineTotals;
  return {
    kind: 'facts',
    facts: [
      [inv.entity.kind, inv.entity.id],
      ['scope', `${inv.scope.since} to ${inv.scope.until}`],
      ['baseline', `${inv.baseline.since} to ${inv.baseline.until}`],
      [
        'events',
        `${t.events.toLocaleString('en-US')} (${t.errors.toLocaleString('en-US')} errors), first ${t.firstSeen ?? '-'}, last ${t.lastSeen ?? '-'}`,
      ],
      [
        'baseline events',
        `${b.events.toLocaleString('en-US')} (${b.errors.toLocaleString('en-US')} errors)`,
      ],
    ],
  };
}

export function investigationBlocks(
  inv: Investigation,
  caps: PanelCaps,
  timeline: TimelineView,
): Block[] {
  if (inv.totals.events === 0) {
    return [
      investigationFacts(inv),
      {
        kind: 'text',
        text: `No events of this ${inv.entity.kind} in scope (${String(inv.baselineTotals.events)} in the baseline).`,
      },
    ];
  }
  const p = inv.panels;
  return [
    investigationFacts(inv),
    panel(
      'Errors',
      [c('errorCode'), n('events')],
      inv.errorCodes.map((e) => [e.errorCode, e.events]),
      caps,
    ),
    panel(
      'API calls',
      [c('eventSource'), c('eventName'), n('events'), n('errors'), c('new')],
      inv.apis.map((a) => [a.eventSource, a.eventName, a.events, a.errors, mark(a.newInScope)]),
      caps,
      p.apis,
    ),
    panel(
      'Regions',
      [c('region'), n('events'), c('new')],
      inv.regions.map((r) => [r.region, r.events, mark(r.newInScope)]),
      caps,
      p.regions,
    ),
    panel(
      'Source IPs',
      [c('ip'), n('events'), c('new')],
      inv.sourceIPs.map((r) => [r.ip, r.events, mark(r.newInScope)]),
      caps,
      p.sourceIPs,
    ),
    panel(
      'User agents',
      [c('userAgent'), n('events'), c('new')],
      inv.userAgents.map((r) => [r.userAgent, r.events, mark(r.newInScope)]),
      caps,
      p.userAgents,
    ),
    panel(
      'Access keys',
      [c('accessKeyId'), n('events'), c('new')],
      inv.accessKeys.map((r) => [r.accessKeyId, r.events, mark(r.newInScope)]),
      // A role's sessions can hold a fresh key per call: the list is long and says little.
      { ...caps, limit: Math.min(caps.limit ?? Infinity, 20) },
      p.accessKeys,
    ),
    panel(
      'Assumed by',
      [c('principal'), c('sessionName'), c('sourceIdentity'), c('sourceIPAddress'), n('events')],
      inv.assumedBy.map((a) => [
        a.principal,
        a.sessionName,
        a.sourceIdentity,
        a.sourceIPAddress,
        a.events,
      ]),
      caps,
    ),
    panel(
      'Sessions',
      [c('arn'), n('events'), c('firstSeen'), c('lastSeen')],
      inv.sessions.map((s) => [s.arn, s.events, s.firstSeen, s.lastSeen]),
      caps,
      p.sessions,
    ),
    panel(
      'Roles assumed in turn',
      [c('roleArn'), c('account'), n('assumeCalls'), n('sessionEvents')],
      inv.assumedRoles.map((r) => [r.roleArn, r.account, r.assumeCalls, r.sessionEvents]),
      caps,
      p.assumedRoles,
    ),
    panel(
      'Resources',
      [c('resource'), n('events')],
      inv.resources.map((r) => [r.arn, r.events]),
      { ...caps, limit: Math.min(caps.limit ?? Infinity, 30) },
      p.resources,
    ),
    panel(
      'Principals',
      [c('principal'), n('events'), c('new')],
      inv.principals.map((r) => [r.principal, r.events, mark(r.newInScope)]),
      caps,
      p.principals,
    ),
    findingsBlock(inv, caps),
    {
      kind: 'table',
      title: timeline.title,
      columns: [
        c('eventTime'),
        c('eventSource'),
        c('eventName'),
        c('awsRegion'),
        c('sourceIPAddress'),
        c('errorCode'),
        c('eventID'),
        c('sourceObject'),
        n('recordIndex'),
      ],
      rows: timeline.events.map((e) => [
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
      limit: timeline.limit ?? timeline.events.length,
      ...(timeline.total === undefined ? {} : { total: timeline.total }),
      ...(timeline.rest === undefined ? {} : { rest: timeline.rest }),
    },
  ];
}
