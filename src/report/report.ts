/**
 * The contract of `ctlake report --format json`, and the model the HTML and Markdown are drawn
 * from: what a reviewer files as evidence for a time range of the lake. Every table is whole
 * here (the page and the Markdown cap long ones); every query the report ran is listed with its
 * text and parameters so it can be run again.
 */
import type { Finding, Severity } from '../detect/finding.js';
import type { SkippedRule } from '../detect/rules.js';
import type { UnreadableObject } from '../lake/catalog-facts.js';
import type { JsonValue } from '../query/json-value.js';
import type { Investigation, TimeSpan } from '../investigate/investigation.js';

export const REPORT_FORMAT = 'ctlake-report/1';

/** The time buckets the report's charts count in: hours for a range of up to 3 days, else days, else weeks. */
export type Bucket = 'hour' | 'day' | 'week';

/** A query the report ran: enough to run it again with `ctlake query --file … --param …`. */
export interface ReportQuery {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The file under the package's `sql/report/`. */
  readonly file: string;
  readonly sql: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly rows: number;
}

/** A query's result as the report keeps it: every row. */
export interface ReportTable {
  /** The ReportQuery's name. */
  readonly query: string;
  readonly title: string;
  readonly description: string;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, JsonValue>[];
}

/** What `ctlake verify` last found for the lake's objects (the catalog keeps its verdicts). */
export interface IntegrityStatus {
  /** Objects a valid signed digest lists with the same hash. */
  readonly valid: number;
  readonly invalid: number;
  /** No valid digest lists them. */
  readonly notCovered: number;
  /** Never verified. */
  readonly unverified: number;
  /** When the newest verdict was recorded, ISO 8601 UTC. */
  readonly lastVerified: string | null;
  /** Invalid objects and their reasons (every one). */
  readonly problems: readonly { readonly uri: string; readonly reason: string | null }[];
}

export interface Provenance {
  /** The lake directory as given. */
  readonly lake: string;
  readonly ctlakeVersion: string;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** Source objects whose events fall in the range. */
  readonly objects: number;
  readonly events: number;
  readonly firstEvent: string | null;
  readonly lastEvent: string | null;
  /** Objects ingest could not read, with the reason (null: the catalog could not be read). */
  readonly unreadableObjects: readonly UnreadableObject[] | null;
  /** Why `unreadableObjects` is null. */
  readonly catalogNote: string | null;
  /** SHA-256 over the report's query texts and the detection rule files, by name. */
  readonly queriesSha256: string;
  /** SHA-256 over each live part's name and recorded SHA-256 (names alone for older parts). */
  readonly partsSha256: string;
  readonly parts: number;
  readonly integrity: IntegrityStatus;
}

export interface Summary {
  readonly findingsBySeverity: Readonly<Record<Severity, number>>;
  readonly genaiServices: ReportTable;
  readonly principals: ReportTable;
  readonly events: number;
  readonly errors: number;
  readonly throttled: number;
  /** errors / events (0 when there are none). */
  readonly errorRate: number;
  readonly throttlingRate: number;
}

/** An alarm's transitions into ALARM over the range, for its timeline chart. */
export interface AlarmTimeline {
  readonly rule: string;
  readonly title: string;
  readonly threshold: number;
  readonly comparisonOperator: string;
  readonly period: number;
  readonly transitions: readonly { readonly time: string; readonly value: number | null }[];
}

/** One principal's investigation page; its timeline is the first TIMELINE_LIMIT events. */
export interface ReportInvestigation {
  readonly principal: string;
  /** Its high and critical findings in the report. */
  readonly findings: number;
  readonly investigation: Investigation;
  /** The command that lists its whole timeline. */
  readonly command: string;
}

export interface Report {
  readonly format: typeof REPORT_FORMAT;
  readonly title: string;
  /** ISO 8601 UTC. */
  readonly generatedAt: string;
  /** `until` is exclusive. Null when the lake has no events and no range was given. */
  readonly scope: TimeSpan | null;
  /** True when no event falls in the range: the report says so and little else. */
  readonly empty: boolean;
  readonly bucket: Bucket;
  readonly provenance: Provenance;
  readonly summary: Summary;
  readonly activity: ReportTable;
  /** The GenAI activity tables, in the order the report shows them. */
  readonly genai: readonly ReportTable[];
  readonly bedrockOverTime: ReportTable;
  readonly findings: {
    /** Saved by the last complete `ctlake detect` run over a range covering this one, or detected now. */
    readonly from: 'saved' | 'detected';
    readonly items: readonly Finding[];
    readonly skipped: readonly SkippedRule[];
  };
  readonly alarms: readonly AlarmTimeline[];
  readonly investigations: readonly ReportInvestigation[];
  readonly queries: readonly ReportQuery[];
}
