/**
 * `investigate()`: everything the lake knows around one entity, like Amazon Detective's entity
 * profile, offline. A handful of scans, all in one query session: the profile (every panel's
 * counts for the scope and the baseline in one pass over the entity's events), who assumed the
 * role, the sessions of the roles it assumed in turn (in any account of the lake), the resources
 * it touched, its timeline, and the findings of the saved `detect` run that involve its events
 * (or of a run over the scope, when asked).
 */
import { detect } from '../detect/detect.js';
import type { Finding } from '../detect/finding.js';
import {
  cellText,
  type LakeRow,
  type LakeRunner,
  PRINCIPAL_SQL,
  timestampText,
} from '../detect/lake-rows.js';
import { inLake } from '../detect/lake-session.js';
import { isoSecondsFromTimestamp } from '../duckdb/timestamp-text.js';
import { lakeLayout } from '../lake/layout.js';
import { readPartSet } from '../lake/part-set.js';
import { savedFindingsFor } from '../detect/saved-findings.js';
import {
  DEFAULT_BASELINE_DAYS,
  DEFAULT_LAKE_DIR,
  DEFAULT_LEARNING_DAYS,
  INVESTIGATION_QUERY_LIMITS,
} from '../defaults.js';
import { UsageError } from '../errors.js';
import { parseTimeScope } from '../util/time-scope.js';
import { type Entity, type EntityKind, isEntity, recogniseEntity } from './entity.js';
import { entityCondition, entityParam, RESOURCES_SQL } from './entity-sql.js';
import { ASSUMES_ROLE, HAS_SESSIONS, PANEL_LIMIT, PRINCIPAL_KINDS, profiles } from './profiles.js';
import type { Investigation, TimelineEvent, Totals } from './investigation.js';
import { rowObject } from '../query/formats.js';

const DAY_MS = 86_400_000;
export interface InvestigateOptions {
  /** The entity as text: an ARN, access key ID, IP, bucket, model ID, account ID or user name. */
  readonly entity: string;
  /** Overrides what the text is taken for. */
  readonly kind?: EntityKind;
  readonly lakeDir?: string;
  /** Scope, a day or ISO time (default: the last 24 hours of data in the lake). */
  readonly since?: string;
  readonly until?: string;
  /** Days before the scope that "new" is judged against (default 45, as Detective). */
  readonly baselineDays?: number;
  /** Only this page of the timeline (default: all of it). */
  readonly timelinePage?: { readonly page: number; readonly size: number };
  /**
   * `false` leaves `timeline` empty, for a caller that streams it whole with `streamTimeline`
   * (default true: the whole timeline, or `timelinePage`'s page of it).
   */
  readonly withTimeline?: boolean;
  /**
   * The findings panel (default true): the findings of the last complete `ctlake detect` run
   * that involve the entity, when that run covers the scope on the lake as it is.
   */
  readonly findings?: boolean;
  /**
   * When no saved detect run covers the scope, run the detections over it for the panel (and
   * save that run). Default false: the panel says no run covers the scope, and the
   * investigation costs its own queries only (a detect run over a day of the 10M-event lake
   * takes ~10 s; `ctlake detect` once over the whole lake serves every investigation after).
   */
  readonly detect?: boolean;
  /**
   * The entity's findings, already chosen by the caller (a report's, by principal): shown as
   * they are instead of looking through the saved ones or running the detections.
   */
  readonly entityFindings?: {
    readonly findings: readonly Finding[];
    readonly from: 'saved' | 'detected';
  };
  readonly signal?: AbortSignal;
}

function iso(value: unknown): string | null {
  const text = cellText(value);
  if (text === null) return null;
  return isoSecondsFromTimestamp(text);
}

const num = (value: unknown): number => Number(value ?? 0);
const text = (value: unknown): string => cellText(value) ?? '';

/** A bare name is a user when the lake has an IAM user of that name, else a bucket when it has that bucket. */
async function placeBareName(id: string, run: LakeRunner): Promise<Entity> {
  const [row] = await run(
    `SELECT count(*) FILTER ("userIdentity"."type" = 'IAMUser' AND "userIdentity"."userName" = \${entity}) AS users,
            count(*) FILTER (map_extract_value("requestParameters", 'bucketName') = \${entity}) AS buckets
     FROM cloudtrail`,
    { entity: id },
  );
  const users = num(row?.['users']);
  const buckets = num(row?.['buckets']);
  if (users > 0 && buckets > 0) {
    throw new UsageError(
      `${id} is both an IAM user and an S3 bucket in the lake: say which with --kind user or --kind bucket`,
    );
  }
  return { kind: buckets > 0 ? 'bucket' : 'user', id };
}

function span(since: number, until: number): { since: string; until: string } {
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
}

interface Window {
  readonly baselineSince: number;
  readonly since: number;
  readonly until: number;
}

const IN_SCOPE = `"eventTime" >= CAST(\${scope_since} AS TIMESTAMP) AND "eventTime" < CAST(\${scope_until} AS TIMESTAMP)`;

/** The values IN_SCOPE binds (epoch ms), beside a query's own. */
function scopeParams(
  scope: { readonly since: number; readonly until: number },
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    scope_since: timestampText(scope.since),
    scope_until: timestampText(scope.until),
    ...extra,
  };
}

/** The entity's events in scope, in time order: the whole timeline, or one page of it. */
function timelineSql(
  entity: Entity,
  page?: { readonly page: number; readonly size: number },
): string {
  return `SELECT "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "errorCode", ${PRINCIPAL_SQL} AS principal, "eventID", "sourceObject", "recordIndex"
       FROM cloudtrail WHERE ${entityCondition(entity)} AND ${IN_SCOPE} ORDER BY "eventTime", "sourceObject", "recordIndex"${page === undefined ? '' : ` LIMIT ${String(page.size)} OFFSET ${String((page.page - 1) * page.size)}`}`;
}

function timelineEvent(e: LakeRow): TimelineEvent {
  return {
    eventTime: iso(e['eventTime']) ?? '',
    eventSource: text(e['eventSource']),
    eventName: text(e['eventName']),
    awsRegion: cellText(e['awsRegion']),
    sourceIPAddress: cellText(e['sourceIPAddress']),
    errorCode: cellText(e['errorCode']),
    principal: cellText(e['principal']),
    eventID: cellText(e['eventID']),
    sourceObject: text(e['sourceObject']),
    recordIndex: num(e['recordIndex']),
  };
}

/** The role whose trust an entity's AssumeRole* calls reach: the role itself, or a session's role. */
function roleOf(entity: Entity): string | undefined {
  if (entity.kind === 'role') return entity.id;
  if (entity.kind !== 'session') return undefined;
  const match = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(entity.id);
  return match
    ? `arn:${match[1] ?? 'aws'}:iam::${match[2] ?? ''}:role/${match[3] ?? ''}`
    : undefined;
}

function totalsOf(row: LakeRow | undefined, baseline: boolean): Totals {
  const p = baseline ? 'baseline_' : '';
  return {
    events: num(row?.[baseline ? 'baseline' : 'events']),
    errors: num(row?.[baseline ? 'baseline_errors' : 'errors']),
    firstSeen: iso(row?.[`${p}first`]),
    lastSeen: iso(row?.[`${p}last`]),
  };
}

function panelCount(rows: readonly LakeRow[]): { values: number; newInScope: number } {
  return { values: num(rows[0]?.['values_in_scope']), newInScope: num(rows[0]?.['new_values']) };
}

const byEvents = <T extends { events: number }>(a: T, b: T, key: (x: T) => string): number =>
  b.events - a.events || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The lake's last event time, epoch ms (NaN when empty). Parts are partitioned by day, so the
 * last day's parts hold it: bounding the scan to that day lets DuckDB skip every other part by
 * its statistics.
 */
async function lastEventTime(lakeDir: string, run: LakeRunner): Promise<number> {
  const days = readPartSet(lakeLayout(lakeDir))
    .map((part) => /event_date=(\d{4}-\d{2}-\d{2})/.exec(part)?.[1])
    .filter((day): day is string => day !== undefined)
    .sort();
  const lastDay = days.at(-1);
  if (lastDay !== undefined) {
    const [row] = await run(
      `SELECT epoch_ms(max("eventTime")) AS last FROM cloudtrail WHERE "eventTime" >= CAST(\${day} AS TIMESTAMP)`,
      { day: `${lastDay} 00:00:00` },
    );
    const last = Number(row?.['last'] ?? NaN);
    if (!Number.isNaN(last)) return last;
  }
  const [row] = await run(`SELECT epoch_ms(max("eventTime")) AS last FROM cloudtrail`);
  return Number(row?.['last'] ?? NaN);
}

/**
 * Which of `all` (findings of `detect` over the scope) involve the entity: those whose evidence
 * holds one of the entity's events in the scope — one rule for every kind of entity, whoever the
 * finding names as its principal. Only evidence inside the scope is looked up: the rest cannot be
 * the entity's events in it.
 */
async function findingsInvolving(
  all: readonly Finding[],
  entity: Entity,
  w: Window,
  run: LakeRunner,
): Promise<Finding[]> {
  const inScope = (time: string | null): boolean => {
    const at = time === null ? NaN : Date.parse(time);
    return at >= w.since && at < w.until;
  };
  const evidence = new Set<string>();
  for (const f of all) {
    for (const e of f.events)
      if (e.eventID !== null && inScope(e.eventTime)) evidence.add(e.eventID);
  }
  if (evidence.size === 0) return [];
  const mine = await run(
    `SELECT DISTINCT "eventID" AS id FROM cloudtrail WHERE ${entityCondition(entity)} AND ${IN_SCOPE}
       AND "eventID" IN (SELECT unnest(CAST(from_json(\${ids}, '["VARCHAR"]') AS VARCHAR[])))`,
    scopeParams(w, { entity: entityParam(entity), ids: JSON.stringify([...evidence]) }),
  );
  const ids = new Set(mine.map((r) => text(r['id'])));
  return all.filter((f) => f.events.some((e) => e.eventID !== null && ids.has(e.eventID)));
}

/** The findings panel's findings and where they came from. */
interface FoundFindings {
  readonly findings: readonly Finding[];
  readonly from: Investigation['findingsFrom'];
}

/** The saved findings of the lake as it is, when they cover the scope (saved-findings.ts). */
function savedFindings(w: Window, lakeDir: string | undefined): readonly Finding[] | undefined {
  return savedFindingsFor(lakeDir ?? DEFAULT_LAKE_DIR, w.since, w.until, DEFAULT_LEARNING_DAYS);
}

/** No saved findings and `detect` asked: it runs over the scope (and saves its run), then the match. */
async function detectedFindings(
  entity: Entity,
  w: Window,
  lakeDir: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Finding[]> {
  const all = (
    await detect({
      ...(lakeDir === undefined ? {} : { lakeDir }),
      since: new Date(w.since).toISOString(),
      until: new Date(w.until).toISOString(),
      ...(signal === undefined ? {} : { signal }),
    })
  ).findings;
  return inLake(lakeDir ?? DEFAULT_LAKE_DIR, signal, (run) =>
    findingsInvolving(all, entity, w, run),
  );
}

/** One investigation of several run together (`investigateEach`): the options but the lake's. */
export type InvestigateRequest = Omit<InvestigateOptions, 'lakeDir' | 'signal'>;

export async function investigate(options: InvestigateOptions): Promise<Investigation> {
  const [one] = await investigateEach([options], options);
  return one as Investigation;
}

/** A request's flags, checked before the lake is opened. */
function checkedRequest(request: InvestigateRequest): {
  recognised: ReturnType<typeof recogniseEntity>;
  baselineDays: number;
  requested: ReturnType<typeof parseTimeScope>;
} {
  const recognised = recogniseEntity(request.entity, request.kind);
  const baselineDays = request.baselineDays ?? DEFAULT_BASELINE_DAYS;
  if (!Number.isInteger(baselineDays) || baselineDays < 0) {
    throw new UsageError('--baseline-days: expected a whole number of days');
  }
  const page = request.timelinePage;
  if (
    page !== undefined &&
    (!Number.isInteger(page.page) || page.page < 1 || !Number.isInteger(page.size) || page.size < 1)
  ) {
    throw new UsageError('--page: expected a whole number ≥ 1');
  }
  return { recognised, baselineDays, requested: parseTimeScope(request.since, request.until) };
}

/**
 * Several investigations on one view of the lake (a report's, one per principal): their
 * profiles are computed together where their entities allow (profiles.ts), the rest one by one.
 */
export async function investigateEach(
  requests: readonly InvestigateRequest[],
  lake: { readonly lakeDir?: string; readonly signal?: AbortSignal },
): Promise<Investigation[]> {
  const checked = requests.map(checkedRequest);
  const lakeDir = lake.lakeDir;
  const results = await inLake(
    lakeDir ?? DEFAULT_LAKE_DIR,
    lake.signal,
    async (run) => {
      let last: number | undefined;
      const targets: (Window & { entity: Entity })[] = [];
      for (const { recognised, baselineDays, requested } of checked) {
        const entity = isEntity(recognised) ? recognised : await placeBareName(recognised.id, run);
        let until = requested.to?.getTime();
        if (until === undefined) {
          last ??= await lastEventTime(lakeDir ?? DEFAULT_LAKE_DIR, run);
          until = Number.isNaN(last) ? Date.now() : last + 1000;
        }
        const since = requested.from?.getTime() ?? until - DAY_MS;
        if (since >= until) throw new UsageError('--since is not before --until');
        targets.push({ entity, baselineSince: since - baselineDays * DAY_MS, since, until });
      }
      const profileRows = await profiles(targets, run);
      const panels = [];
      for (const [i, target] of targets.entries()) {
        panels.push(
          await entityPanels(
            target,
            profileRows[i] ?? [],
            requests[i] as InvestigateRequest,
            lakeDir,
            run,
          ),
        );
      }
      return panels;
    },
    INVESTIGATION_QUERY_LIMITS,
  );
  const investigations: Investigation[] = [];
  for (const result of results) {
    investigations.push(await assembled(result, lakeDir, lake.signal));
  }
  return investigations;
}

/** The panels of one investigation that its profile does not hold, from the same session. */
async function entityPanels(
  { entity, ...w }: Window & { entity: Entity },
  profile: readonly LakeRow[],
  options: InvestigateRequest,
  lakeDir: string | undefined,
  run: LakeRunner,
) {
  const page = options.timelinePage;
  const dim = (name: string): LakeRow[] => profile.filter((r) => r['dim'] === name);
  const inScope = (r: LakeRow): boolean => num(r['events']) > 0;
  const isNew = (r: LakeRow): boolean => num(r['baseline']) === 0;

  const role = roleOf(entity);
  const assumedBy =
    role === undefined
      ? []
      : await run(
          `SELECT ${PRINCIPAL_SQL} AS principal, map_extract_value("requestParameters", 'roleSessionName') AS session_name,
                    map_extract_value("requestParameters", 'sourceIdentity') AS source_identity, "sourceIPAddress" AS ip, count(*) AS events
             FROM cloudtrail WHERE ${ASSUMES_ROLE}
               AND map_extract_value("requestParameters", 'roleArn') = \${role}${entity.kind === 'session' ? ` AND map_extract_value("requestParameters", 'roleSessionName') = \${session}` : ''}
               AND ${IN_SCOPE}
             GROUP BY ALL ORDER BY events DESC, principal, session_name, source_identity, ip`,
          scopeParams(w, {
            role,
            ...(entity.kind === 'session'
              ? { session: entity.id.slice(entity.id.lastIndexOf('/') + 1) }
              : {}),
          }),
        );

  const assumedArns = dim('assumed')
    .filter(inScope)
    .map((r) => text(r['k1']));
  const followed =
    assumedArns.length === 0
      ? []
      : await run(
          `SELECT "userIdentity"."sessionContext"."sessionIssuer"."arn" AS role, count(*) AS events FROM cloudtrail
             WHERE "userIdentity"."sessionContext"."sessionIssuer"."arn" IN (SELECT unnest(CAST(from_json(\${roles}, '["VARCHAR"]') AS VARCHAR[]))) AND ${IN_SCOPE}
             GROUP BY ALL`,
          scopeParams(w, { roles: JSON.stringify(assumedArns) }),
        );
  const followedEvents = new Map(followed.map((r) => [text(r['role']), num(r['events'])]));

  const resources = await run(
    `SELECT arn, events, count(*) OVER () AS values_in_scope FROM (SELECT arn, count(*) AS events FROM (SELECT unnest(${RESOURCES_SQL}) AS arn FROM cloudtrail WHERE ${entityCondition(entity)} AND ${IN_SCOPE}) GROUP BY ALL) QUALIFY row_number() OVER (ORDER BY events DESC, arn) <= ${String(PANEL_LIMIT)} ORDER BY events DESC, arn`,
    scopeParams(w, { entity: entityParam(entity) }),
  );
  const timeline =
    options.withTimeline === false
      ? []
      : await run(timelineSql(entity, page), scopeParams(w, { entity: entityParam(entity) }));
  // The findings panel, when it can be filled in this session (the caller's findings, or saved
  // ones matched here); undefined when detect has to run, which it does after this session.
  const shown = (options.findings ?? true) && num(dim('total')[0]?.['events']) > 0;
  const saved =
    shown && options.entityFindings === undefined ? savedFindings(w, lakeDir) : undefined;
  const found: FoundFindings | undefined = !shown
    ? { findings: [], from: 'skipped' }
    : (options.entityFindings ??
      (saved !== undefined
        ? { findings: await findingsInvolving(saved, entity, w, run), from: 'saved' }
        : options.detect === true
          ? undefined
          : { findings: [], from: 'unsaved' }));
  return {
    entity,
    w,
    found,
    profile,
    dim,
    inScope,
    isNew,
    assumedBy,
    assumedArns,
    followedEvents,
    resources,
    timeline,
    page,
  };
}

/** An investigation from its panels; `detect` runs now when its findings panel needs it. */
async function assembled(
  result: Awaited<ReturnType<typeof entityPanels>>,
  lakeDir: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Investigation> {
  const { entity, w, dim, inScope, isNew, timeline, page } = result;
  const total = dim('total')[0];
  const found = result.found ?? {
    findings: await detectedFindings(entity, w, lakeDir, signal),
    from: 'detected' as const,
  };
  return {
    entity,
    scope: span(w.since, w.until),
    baseline: span(w.baselineSince, w.since),
    totals: totalsOf(total, false),
    baselineTotals: totalsOf(total, true),
    errorCodes: dim('error')
      .filter(inScope)
      .map((r) => ({ errorCode: text(r['k1']), events: num(r['events']) }))
      .sort((a, b) => byEvents(a, b, (x) => x.errorCode)),
    apis: dim('api')
      .filter(inScope)
      .map((r) => ({
        eventSource: text(r['k1']),
        eventName: text(r['k2']),
        events: num(r['events']),
        errors: num(r['errors']),
        newInScope: isNew(r),
      }))
      .sort((a, b) => byEvents(a, b, (x) => `${x.eventSource} ${x.eventName}`)),
    regions: dim('region')
      .filter(inScope)
      .map((r) => ({ region: text(r['k1']), events: num(r['events']), newInScope: isNew(r) }))
      .sort((a, b) => byEvents(a, b, (x) => x.region)),
    sourceIPs: dim('ip')
      .filter(inScope)
      .map((r) => ({ ip: text(r['k1']), events: num(r['events']), newInScope: isNew(r) }))
      .sort((a, b) => byEvents(a, b, (x) => x.ip)),
    userAgents: dim('ua')
      .filter(inScope)
      .map((r) => ({ userAgent: text(r['k1']), events: num(r['events']), newInScope: isNew(r) }))
      .sort((a, b) => byEvents(a, b, (x) => x.userAgent)),
    accessKeys: dim('key')
      .filter(inScope)
      .map((r) => ({ accessKeyId: text(r['k1']), events: num(r['events']), newInScope: isNew(r) }))
      .sort((a, b) => byEvents(a, b, (x) => x.accessKeyId)),
    assumedBy: result.assumedBy.map((r) => ({
      principal: cellText(r['principal']),
      sessionName: cellText(r['session_name']),
      sourceIdentity: cellText(r['source_identity']),
      sourceIPAddress: cellText(r['ip']),
      events: num(r['events']),
    })),
    sessions: HAS_SESSIONS.includes(entity.kind)
      ? dim('session')
          .filter(inScope)
          .map((r) => ({
            arn: text(r['k1']),
            events: num(r['events']),
            firstSeen: iso(r['first']) ?? '',
            lastSeen: iso(r['last']) ?? '',
          }))
          .sort((a, b) => byEvents(a, b, (x) => x.arn))
      : [],
    assumedRoles: dim('assumed')
      .filter(inScope)
      .map((r) => {
        const roleArn = text(r['k1']);
        return {
          roleArn,
          account: /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1] ?? null,
          assumeCalls: num(r['events']),
          sessionEvents: result.followedEvents.get(roleArn) ?? 0,
        };
      })
      .sort((a, b) => b.assumeCalls - a.assumeCalls || (a.roleArn < b.roleArn ? -1 : 1)),
    resources: result.resources.map((r) => ({ arn: text(r['arn']), events: num(r['events']) })),
    principals: PRINCIPAL_KINDS.includes(entity.kind)
      ? []
      : dim('principal')
          .filter(inScope)
          .map((r) => ({
            principal: text(r['k1']),
            events: num(r['events']),
            newInScope: isNew(r),
          }))
          .sort((a, b) => byEvents(a, b, (x) => x.principal)),
    panels: {
      apis: panelCount(dim('api')),
      regions: panelCount(dim('region')),
      sourceIPs: panelCount(dim('ip')),
      userAgents: panelCount(dim('ua')),
      accessKeys: panelCount(dim('key')),
      sessions: panelCount(dim('session')),
      assumedRoles: panelCount(dim('assumed')),
      principals: panelCount(dim('principal')),
      resources: {
        values: num(result.resources[0]?.['values_in_scope']),
        newInScope: 0,
      },
    },
    findings: found.findings,
    findingsFrom: found.from,
    ...(page === undefined
      ? {}
      : {
          timelinePage: {
            page: page.page,
            size: page.size,
            pages: Math.max(1, Math.ceil(num(total?.['events']) / page.size)),
          },
        }),
    timeline: timeline.map(timelineEvent),
  };
}

/**
 * The whole timeline of an investigation, handed to `each` chunk by chunk from a session of its
 * own: for a timeline too long to hold (an account's can be millions of events), after
 * `investigate` ran with `withTimeline: false`.
 */
export async function streamTimeline(
  inv: Pick<Investigation, 'entity' | 'scope'>,
  options: { readonly lakeDir?: string; readonly signal?: AbortSignal },
  each: (events: readonly TimelineEvent[]) => Promise<void>,
): Promise<void> {
  await inLake(options.lakeDir ?? DEFAULT_LAKE_DIR, options.signal, async (_, stream) => {
    const scope = { since: Date.parse(inv.scope.since), until: Date.parse(inv.scope.until) };
    const result = await stream(
      timelineSql(inv.entity),
      scopeParams(scope, { entity: entityParam(inv.entity) }),
    );
    for await (const chunk of result.chunks) {
      await each(chunk.map((row) => timelineEvent(rowObject(result.columns, row))));
    }
  });
}
