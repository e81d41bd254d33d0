/**
 * The contract of `ctlake investigate --format json`: an entity's profile over a scope, each
 * value marked new when absent from the baseline before it, as Amazon Detective's profile panels
 * do, and its complete timeline with provenance. Counts are exact.
 */
import type { Finding } from '../detect/finding.js';
import type { Entity } from './entity.js';

export interface TimeSpan {
  /** ISO 8601 UTC; `until` is exclusive. */
  readonly since: string;
  readonly until: string;
}

export interface Totals {
  readonly events: number;
  readonly errors: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
}

export interface ApiUse {
  readonly eventSource: string;
  readonly eventName: string;
  readonly events: number;
  readonly errors: number;
  readonly newInScope: boolean;
}

export interface RegionUse {
  readonly region: string;
  readonly events: number;
  readonly newInScope: boolean;
}
export interface SourceIpUse {
  readonly ip: string;
  readonly events: number;
  readonly newInScope: boolean;
}
export interface UserAgentUse {
  readonly userAgent: string;
  readonly events: number;
  readonly newInScope: boolean;
}
export interface AccessKeyUse {
  readonly accessKeyId: string;
  readonly events: number;
  readonly newInScope: boolean;
}

export interface AssumedBy {
  readonly principal: string | null;
  readonly sessionName: string | null;
  readonly sourceIdentity: string | null;
  readonly sourceIPAddress: string | null;
  readonly events: number;
}

export interface Session {
  readonly arn: string;
  readonly events: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface AssumedRole {
  readonly roleArn: string;
  /** The role's account (another account: the chain crosses accounts). */
  readonly account: string | null;
  /** AssumeRole* calls this entity made for it in scope. */
  readonly assumeCalls: number;
  /** Events the role's sessions made in scope, in the whole lake (every account). */
  readonly sessionEvents: number;
}

export interface ResourceUse {
  /** An ARN from `resources[]`, or `name:value` of a request parameter naming a resource. */
  readonly arn: string;
  readonly events: number;
}

export interface PrincipalUse {
  readonly principal: string;
  readonly events: number;
  readonly newInScope: boolean;
}

export interface TimelineEvent {
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string | null;
  readonly sourceIPAddress: string | null;
  readonly errorCode: string | null;
  readonly principal: string | null;
  readonly eventID: string | null;
  readonly sourceObject: string;
  readonly recordIndex: number;
}

/** How many values a panel has in scope (it lists the PANEL_LIMIT most used), and how many are new. */
export interface PanelCount {
  readonly values: number;
  readonly newInScope: number;
}

export interface Investigation {
  readonly entity: Entity;
  readonly scope: TimeSpan;
  readonly baseline: TimeSpan;
  readonly totals: Totals;
  readonly baselineTotals: Totals;
  readonly errorCodes: readonly { readonly errorCode: string; readonly events: number }[];
  readonly apis: readonly ApiUse[];
  readonly regions: readonly RegionUse[];
  readonly sourceIPs: readonly SourceIpUse[];
  readonly userAgents: readonly UserAgentUse[];
  readonly accessKeys: readonly AccessKeyUse[];
  readonly assumedBy: readonly AssumedBy[];
  readonly sessions: readonly Session[];
  readonly assumedRoles: readonly AssumedRole[];
  readonly resources: readonly ResourceUse[];
  /** Who used the entity (an IP, a key, a bucket, a model, an account); empty for a principal. */
  readonly principals: readonly PrincipalUse[];
  /** Per panel, how many values it has in scope: the lists stop at the most used 1,000. */
  readonly panels: Readonly<
    Record<
      | 'apis'
      | 'regions'
      | 'sourceIPs'
      | 'userAgents'
      | 'accessKeys'
      | 'sessions'
      | 'assumedRoles'
      | 'principals'
      | 'resources',
      PanelCount
    >
  >;
  readonly findings: readonly Finding[];
  /**
   * Where the findings come from: the last complete `ctlake detect` run, when it covers the scope
   * and the lake's rows have not changed since (`saved`); the detections run over the scope now,
   * as asked (`detected`); no saved run covers the scope and none was asked to run (`unsaved`:
   * no findings shown, which says nothing about whether there are any); or none asked for, or no
   * events (`skipped`).
   */
  readonly findingsFrom: 'saved' | 'detected' | 'unsaved' | 'skipped';
  /** Every event in scope in time order; one page of them when a page was asked for. */
  readonly timeline: readonly TimelineEvent[];
  /** The page `timeline` holds, when paged. */
  readonly timelinePage?: { readonly page: number; readonly pages: number; readonly size: number };
}
