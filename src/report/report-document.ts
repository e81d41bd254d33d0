/**
 * The report as a document (text/document.ts): the sections a reviewer reads, in the issue's
 * order, drawn from the report data alone — so the HTML page and the Markdown say the same, and
 * the JSON is the data itself. Long tables are capped here; the JSON has every row.
 */
import { compareFindings, type Finding } from '../detect/finding.js';
import { cellText } from '../detect/lake-rows.js';
import { investigationBlocks } from '../investigate/investigation-blocks.js';
import type { JsonValue } from '../query/json-value.js';
import type { Block, Cell, Column, Document, Section, TableBlock } from '../text/document.js';
import { shellWord } from '../text/shell-word.js';
import { barChartSvg, type Series, SERIES_FILLS, timeChartSvg } from '../text/svg-chart.js';
import type { Bucket, Report, ReportTable } from './report.js';

const REST = 'the JSON report has them all';
/** Series a chart draws before it folds the rest into "others" (the fills that stay apart in grey). */
const CHART_SERIES = SERIES_FILLS.length;
/** Findings whose evidence the report lists, the most severe first. */
const EVIDENCE_FINDINGS = 60;
const EVIDENCE_ROWS = 10;

const count = (n: number): string => n.toLocaleString('en-US');
const percent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;

function cell(value: JsonValue | undefined): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A query's result as a table, every column as the query names it. */
function resultTable(table: ReportTable, limit?: number): TableBlock {
  const numeric = table.columns.map((c) =>
    table.rows.every((r) => typeof (r[c] ?? 0) === 'number'),
  );
  return {
    kind: 'table',
    columns: table.columns.map((c, i): Column => ({ title: c, numeric: numeric[i] === true })),
    rows: table.rows.map((r) => table.columns.map((c) => cell(r[c]))),
    rest: REST,
    ...(limit === undefined ? {} : { limit }),
  };
}

function resultBlocks(table: ReportTable, limit?: number): Block[] {
  return [
    { kind: 'heading', text: table.title },
    { kind: 'text', text: table.description, tone: 'note' },
    table.rows.length === 0
      ? { kind: 'text', text: 'None in the range.' }
      : resultTable(table, limit),
  ];
}

// --- time buckets -------------------------------------------------------------------------------

function bucketStart(ms: number, bucket: Bucket): number {
  const d = new Date(ms);
  if (bucket === 'hour')
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  // ISO weeks start on Monday, as date_trunc('week') does.
  return bucket === 'day' ? day : day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
}

const STEP: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

/** Every bucket of the range, oldest first, as epoch ms. */
function bucketsOf(report: Report): number[] {
  if (report.scope === null) return [];
  const out: number[] = [];
  const end = Date.parse(report.scope.until);
  for (
    let t = bucketStart(Date.parse(report.scope.since), report.bucket);
    t < end;
    t += STEP[report.bucket]
  ) {
    out.push(t);
  }
  return out;
}

function bucketLabel(ms: number, bucket: Bucket): string {
  const iso = new Date(ms).toISOString();
  return bucket === 'hour' ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(0, 10);
}

/**
 * A stacked time chart of `rows` (each with a `bucket` time), one series per value of `seriesOf`,
 * the CHART_SERIES largest drawn and the rest as "others"; its numbers as a table.
 */
function timeChart(
  report: Report,
  title: string,
  rows: readonly Record<string, JsonValue>[],
  seriesOf: (row: Record<string, JsonValue>) => string,
  valueOf: (row: Record<string, JsonValue>) => number,
  yLabel: string,
  options: { threshold?: { value: number; label: string }; combine?: 'sum' | 'max' } = {},
): Block {
  const { threshold } = options;
  const combine = options.combine === 'max' ? Math.max : (a: number, b: number) => a + b;
  const buckets = bucketsOf(report);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(seriesOf(r), (totals.get(seriesOf(r)) ?? 0) + valueOf(r));
  const ranked = [...totals]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k]) => k);
  const drawn = ranked.slice(0, ranked.length > CHART_SERIES ? CHART_SERIES - 1 : CHART_SERIES);
  const others = ranked.length > drawn.length;
  const names = [...drawn, ...(others ? [`${count(ranked.length - drawn.length)} others`] : [])];
  const values = names.map(() => new Array<number>(buckets.length).fill(0));
  for (const r of rows) {
    const i = index.get(bucketStart(Date.parse(cellText(r['bucket']) ?? ''), report.bucket));
    if (i === undefined) continue;
    const k = drawn.indexOf(seriesOf(r));
    const row = values[k === -1 ? names.length - 1 : k];
    if (row) row[i] = combine(row[i] ?? 0, valueOf(r));
  }
  const series: Series[] = names.map((name, k) => ({
    name,
    values: values[k] ?? [],
    other: others && k === names.length - 1,
  }));
  const labels = buckets.map((b) => bucketLabel(b, report.bucket));
  return {
    kind: 'chart',
    svg: timeChartSvg({
      title,
      buckets: labels,
      series,
      yLabel,
      ...(threshold ? { threshold } : {}),
    }),
    data: {
      kind: 'table',
      title,
      columns: [{ title: report.bucket }, ...names.map((n) => ({ title: n, numeric: true }))],
      // Only the buckets with something in them: the table is for reading, the chart for shape.
      rows: labels
        .map((label, i): Cell[] => [label, ...series.map((s) => s.values[i] ?? 0)])
        .filter((r) => r.slice(1).some((v) => v !== 0)),
      rest: REST,
      limit: 200,
    },
  };
}

// --- sections ----------------------------------------------------------------------------------

function scopeSection(report: Report): Section {
  const p = report.provenance;
  const i = p.integrity;
  const blocks: Block[] = [
    {
      kind: 'facts',
      facts: [
        ['Lake', p.lake],
        [
          'Range',
          report.scope === null
            ? 'the lake has no events'
            : `${report.scope.since} to ${report.scope.until} (exclusive)`,
        ],
        ['Events', count(p.events)],
        ['First and last event', `${p.firstEvent ?? '-'} to ${p.lastEvent ?? '-'}`],
        ['Accounts', p.accounts.join(', ') || '-'],
        ['Regions', p.regions.join(', ') || '-'],
        ['Source objects', count(p.objects)],
        [
          'Unreadable objects',
          p.unreadableObjects === null
            ? `unknown: ${p.catalogNote ?? ''}`
            : count(p.unreadableObjects.length),
        ],
        ['ctlake version', p.ctlakeVersion],
        ['Query and rule texts (SHA-256)', p.queriesSha256],
        [
          `Lake parts (${Number.isNaN(p.parts) ? 'by name' : count(p.parts)}, SHA-256)`,
          p.partsSha256,
        ],
        ['Generated', report.generatedAt],
      ],
    },
    { kind: 'heading', text: 'Integrity (ctlake verify)' },
  ];
  const verified = i.valid + i.invalid + i.notCovered;
  if (p.objects === 0) {
    blocks.push({ kind: 'text', text: 'No source objects in the range.' });
  } else if (verified === 0) {
    blocks.push({
      kind: 'text',
      tone: 'warning',
      text: `None of the ${count(p.objects)} source objects has been verified against CloudTrail's signed digest files: run ctlake verify <archive> --public-keys <keys.json> --lake ${p.lake} to record their status.`,
    });
  } else {
    blocks.push({
      kind: 'text',
      tone: i.invalid > 0 || i.notCovered > 0 || i.unverified > 0 ? 'warning' : 'ok',
      text: `${count(i.valid)} of ${count(p.objects)} source objects valid (a valid signed digest lists each with the same SHA-256), ${count(i.invalid)} invalid, ${count(i.notCovered)} not covered by any valid digest, ${count(i.unverified)} never verified; last verified ${i.lastVerified ?? '-'}.`,
    });
  }
  if (i.problems.length > 0) {
    blocks.push({
      kind: 'table',
      title: 'Objects that failed verification',
      columns: [{ title: 'object' }, { title: 'reason' }],
      rows: i.problems.map((x) => [x.uri, x.reason]),
      rest: REST,
    });
  }
  if (p.unreadableObjects !== null && p.unreadableObjects.length > 0) {
    blocks.push({
      kind: 'table',
      title: 'Objects ingest could not read (their events are not in the lake)',
      columns: [{ title: 'object' }, { title: 'reason' }, { title: 'last attempt' }],
      rows: p.unreadableObjects.map((u) => [u.uri, u.reason, u.failedAt]),
      rest: REST,
    });
  }
  return { id: 'scope', title: '1. Scope and provenance', blocks };
}

function summarySection(report: Report): Section {
  const s = report.summary;
  const severities = Object.entries(s.findingsBySeverity).reverse();
  const blocks: Block[] = [
    {
      kind: 'facts',
      facts: [
        ['Events', count(s.events)],
        ['Errors', `${count(s.errors)} (${percent(s.errorRate)})`],
        ['Throttled', `${count(s.throttled)} (${percent(s.throttlingRate)})`],
        [
          'Findings',
          `${count(report.findings.items.length)} (${severities.map(([k, v]) => `${count(v)} ${k}`).join(', ')}), ${report.findings.from === 'saved' ? 'from the last ctlake detect run' : 'detected for this report'}`,
        ],
      ],
    },
    {
      kind: 'chart',
      svg: barChartSvg(
        'Findings by severity',
        severities.map(([k, v]) => ({ label: k, value: v })),
        (v) => count(v),
      ),
      data: {
        kind: 'table',
        title: 'Findings by severity',
        columns: [{ title: 'severity' }, { title: 'findings', numeric: true }],
        rows: severities.map(([k, v]): Cell[] => [k, v]),
      },
    },
    timeChart(
      report,
      'Events over time',
      report.activity.rows.flatMap((r) => [
        {
          bucket: r['bucket'] ?? null,
          kind: 'succeeded',
          n: Number(r['events'] ?? 0) - Number(r['errors'] ?? 0),
        },
        { bucket: r['bucket'] ?? null, kind: 'failed (errorCode)', n: Number(r['errors'] ?? 0) },
      ]),
      (r) => cellText(r['kind']) ?? '',
      (r) => Number(r['n']),
      `events per ${report.bucket}`,
    ),
    ...resultBlocks(s.genaiServices),
    ...resultBlocks(s.principals, 20),
  ];
  return { id: 'summary', title: '2. Summary', blocks };
}

function genaiSection(report: Report): Section {
  const rows = report.bedrockOverTime.rows;
  const perPair = new Map<
    string,
    { principal: string; model: string; calls: number; errors: number }
  >();
  for (const r of rows) {
    const principal = cellText(r['principal']) ?? '-';
    const model = cellText(r['modelId']) ?? '-';
    const key = `${principal}\n${model}`;
    const seen = perPair.get(key) ?? { principal, model, calls: 0, errors: 0 };
    seen.calls += Number(r['calls'] ?? 0);
    seen.errors += Number(r['errors'] ?? 0);
    perPair.set(key, seen);
  }
  const pairs = [...perPair.values()].sort(
    (a, b) => b.calls - a.calls || a.principal.localeCompare(b.principal),
  );
  const blocks: Block[] = [
    { kind: 'heading', text: report.bedrockOverTime.title },
    { kind: 'text', text: report.bedrockOverTime.description, tone: 'note' },
  ];
  if (rows.length === 0) {
    blocks.push({ kind: 'text', text: 'None in the range.' });
  } else {
    blocks.push(
      timeChart(
        report,
        'Bedrock invocations by principal',
        rows,
        (r) => cellText(r['principal']) ?? '-',
        (r) => Number(r['calls'] ?? 0),
        `calls per ${report.bucket}`,
      ),
      timeChart(
        report,
        'Bedrock invocations by model',
        rows,
        (r) => cellText(r['modelId']) ?? '-',
        (r) => Number(r['calls'] ?? 0),
        `calls per ${report.bucket}`,
      ),
      {
        kind: 'table',
        columns: [
          { title: 'principal' },
          { title: 'modelId' },
          { title: 'calls', numeric: true },
          { title: 'errors', numeric: true },
        ],
        rows: pairs.map((p) => [p.principal, p.model, p.calls, p.errors]),
        rest: REST,
      },
    );
  }
  for (const table of report.genai) blocks.push(...resultBlocks(table));
  return { id: 'genai', title: '3. Generative AI activity', blocks };
}

function findingRow(f: Finding): Cell[] {
  return [f.severity, f.kind, f.rule, f.title, f.time, f.principal, f.region, f.eventCount];
}

function findingsSection(report: Report): Section {
  const { items, skipped, from } = report.findings;
  const blocks: Block[] = [
    {
      kind: 'text',
      tone: 'note',
      text:
        from === 'saved'
          ? 'Findings of the last complete ctlake detect run, which covered this range on the lake as it is.'
          : `Findings of every built-in detection pack, run over this range for the report (ctlake detect --since ${report.scope?.since ?? ''} --until ${report.scope?.until ?? ''}).`,
    },
  ];
  if (items.length === 0) blocks.push({ kind: 'text', text: 'No findings in the range.' });
  for (const alarm of report.alarms) {
    blocks.push(
      { kind: 'heading', text: `Alarm: ${alarm.title}` },
      timeChart(
        report,
        `${alarm.rule}: value at each transition into ALARM`,
        alarm.transitions.map((t) => ({
          bucket: t.time,
          v: t.value ?? 0,
          s: 'value (max per bucket)',
        })),
        (r) => cellText(r['s']) ?? '',
        (r) => Number(r['v']),
        `metric value, ${String(alarm.period)} s periods`,
        {
          threshold: {
            value: alarm.threshold,
            label: `threshold ${String(alarm.threshold)} (${alarm.comparisonOperator})`,
          },
          combine: 'max',
        },
      ),
      {
        kind: 'table',
        columns: [{ title: 'transition into ALARM' }, { title: 'value', numeric: true }],
        rows: alarm.transitions.map((t) => [t.time, t.value]),
        rest: REST,
      },
    );
  }
  if (items.length > 0) {
    blocks.push({
      kind: 'table',
      title: `All findings (${count(items.length)})`,
      columns: ['severity', 'kind', 'rule', 'title', 'time', 'principal', 'region']
        .map((title) => ({ title }))
        .concat([{ title: 'events', numeric: true }] as Column[]),
      rows: items.map(findingRow),
      limit: 100,
      rest: REST,
    });
  }
  // Evidence: alarms, anomalies and medium-or-worse findings first, each with its first events.
  const withEvidence = [...items]
    .filter(
      (f) =>
        f.kind !== 'event' ||
        f.severity === 'medium' ||
        f.severity === 'high' ||
        f.severity === 'critical',
    )
    .sort(compareFindings);
  if (withEvidence.length > 0) blocks.push({ kind: 'heading', text: 'Evidence' });
  for (const f of withEvidence.slice(0, EVIDENCE_FINDINGS)) {
    const details =
      f.kind === 'anomaly'
        ? ` — ${cellText(f.details['dimension']) ?? ''} ${cellText(f.details['value']) ?? ''} (baseline ${cellText(f.details['baselineSince']) ?? ''} to ${cellText(f.details['baselineUntil']) ?? ''})`
        : '';
    blocks.push({
      kind: 'table',
      title: `${f.severity} ${f.kind}: ${f.title} — ${f.principal ?? '-'} at ${f.time}${details}`,
      columns: [
        { title: 'eventID' },
        { title: 'eventTime' },
        { title: 'sourceObject' },
        { title: 'recordIndex', numeric: true },
      ],
      rows: f.events.map((e) => [e.eventID, e.eventTime, e.sourceObject, e.recordIndex]),
      limit: EVIDENCE_ROWS,
      total: f.eventCount,
      rest: REST,
    });
  }
  if (withEvidence.length > EVIDENCE_FINDINGS) {
    blocks.push({
      kind: 'text',
      text: `${count(withEvidence.length - EVIDENCE_FINDINGS)} more findings with evidence: ${REST}.`,
      tone: 'note',
    });
  }
  if (skipped.length > 0) {
    blocks.push({
      kind: 'table',
      title: 'Rules that could not run',
      columns: [{ title: 'rule' }, { title: 'file' }, { title: 'reason' }],
      rows: skipped.map((s) => [s.rule ?? null, s.file, s.reason]),
    });
  }
  return { id: 'findings', title: '4. Findings, alarms and anomalies', blocks };
}

function investigationsSection(report: Report): Section {
  const blocks: Block[] = [];
  if (report.investigations.length === 0) {
    blocks.push({
      kind: 'text',
      text: 'No principal has a high or critical finding in the range.',
    });
  }
  report.investigations.forEach((r, k) => {
    const inv = r.investigation;
    const pages = inv.timelinePage?.pages ?? 1;
    blocks.push(
      {
        kind: 'heading',
        text: `${String(k + 1)}. ${r.principal} (${count(r.findings)} high or critical findings)`,
        id: `inv-${String(k + 1)}`,
      },
      ...investigationBlocks(
        inv,
        { rest: 'ctlake investigate --format json lists the 1,000 most used', limit: 20 },
        {
          title: `Timeline (first ${count(inv.timeline.length)} of ${count(inv.totals.events)} events)`,
          events: inv.timeline,
        },
      ),
      ...(pages > 1
        ? [
            {
              kind: 'text' as const,
              tone: 'note' as const,
              text: `The whole timeline: ${r.command}`,
            },
          ]
        : []),
    );
  });
  return { id: 'investigations', title: '5. Investigations', blocks };
}

function appendixSection(report: Report): Section {
  const blocks: Block[] = [
    {
      kind: 'text',
      text: 'Every query the report ran, with its parameters, in CloudTrail Lake SQL (they run in CloudTrail Lake and Athena too, with the parameters filled in). Each runs again with the command under it.',
    },
  ];
  for (const q of report.queries) {
    const params = Object.entries(q.parameters);
    blocks.push(
      { kind: 'heading', text: `${q.name} (${count(q.rows)} rows)` },
      { kind: 'code', text: q.sql },
      {
        kind: 'code',
        text: [
          `ctlake query --lake ${shellWord(report.provenance.lake)} --file ${q.file}`,
          ...params.map(([k, v]) => `--param ${shellWord(`${k}=${v}`)}`),
        ].join(' \\\n  '),
      },
    );
  }
  if (report.scope !== null && !report.empty) {
    blocks.push(
      { kind: 'heading', text: 'Detections' },
      {
        kind: 'code',
        text: `ctlake detect --lake ${shellWord(report.provenance.lake)} --since ${report.scope.since} --until ${report.scope.until} --format json`,
      },
    );
  }
  if (report.investigations.length > 0) {
    blocks.push(
      { kind: 'heading', text: 'Investigations' },
      { kind: 'code', text: report.investigations.map((r) => r.command).join('\n') },
    );
  }
  return { id: 'appendix', title: '6. Appendix: the queries', blocks };
}

export function reportDocument(report: Report): Document {
  const range =
    report.scope === null ? 'an empty lake' : `${report.scope.since} to ${report.scope.until}`;
  const subtitle = `${range} · ${count(report.provenance.events)} events · generated ${report.generatedAt} by ctlake ${report.provenance.ctlakeVersion}`;
  if (report.empty) {
    return {
      title: report.title,
      subtitle,
      sections: [
        {
          ...scopeSection(report),
          blocks: [
            {
              kind: 'text',
              tone: 'warning',
              text:
                report.scope === null
                  ? 'The lake holds no events: there is nothing to report.'
                  : 'No events fall in this range: there is nothing to report for it.',
            },
            ...scopeSection(report).blocks,
          ],
        },
        appendixSection(report),
      ],
    };
  }
  return {
    title: report.title,
    subtitle,
    sections: [
      scopeSection(report),
      summarySection(report),
      genaiSection(report),
      findingsSection(report),
      investigationsSection(report),
      appendixSection(report),
    ],
  };
}
