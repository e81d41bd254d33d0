/**
 * The profile of an investigation — every panel's counts in scope and in the baseline — for
 * several investigations at once. Reading the lake's columns costs more than counting the
 * entity's events in them: on the 10M lake a busy principal's profile took ~2 s alone, and the
 * profiles of a report's 11 principals took ~6 s together (bench/EXPERIMENTS.md). So the
 * investigations whose entities are matched by one column's value (a role, a session, a user
 * ARN, an access key, an IP) are profiled in one query, each event joined to the investigations
 * whose entity and window it falls in; the others (a bucket, a model, an account, a bare user
 * name) one query each.
 */
import {
  type LakeRow,
  type LakeRunner,
  PRINCIPAL_SQL,
  timestampText,
} from '../detect/lake-rows.js';
import type { Entity, EntityKind } from './entity.js';
import { entityCondition, entityParam } from './entity-sql.js';

/** Entities that are principals: no "principals that used it" panel. */
export const PRINCIPAL_KINDS: readonly EntityKind[] = ['role', 'session', 'user'];
/** Entities with a sessions panel. */
export const HAS_SESSIONS: readonly EntityKind[] = ['role', 'session'];
/** Values a panel lists at most (the most used); `panels` says how many there are. */
export const PANEL_LIMIT = 1000;

/** Events that assume a role: their `roleArn` is the role assumed. */
export const ASSUMES_ROLE = `"eventSource" = 'sts.amazonaws.com' AND starts_with("eventName", 'AssumeRole')`;

/** An investigation's entity and window, epoch ms: [baselineSince, since) then [since, until). */
export interface ProfileTarget {
  readonly entity: Entity;
  readonly baselineSince: number;
  readonly since: number;
  readonly until: number;
}

/** The column whose value alone matches an entity's events, when there is one. */
function keyColumn(entity: Entity): string | undefined {
  switch (entity.kind) {
    case 'role':
      return `"userIdentity"."sessionContext"."sessionIssuer"."arn"`;
    case 'session':
      return `"userIdentity"."arn"`;
    case 'user':
      return entity.id.startsWith('arn:') ? `"userIdentity"."arn"` : undefined;
    case 'access-key':
      return `"userIdentity"."accessKeyId"`;
    case 'ip':
      return `"sourceIPAddress"`;
    default:
      return undefined;
  }
}

/** The panels an entity's kind shows, as [panel, its grouping columns]. */
function panelsOf(kind: EntityKind): [string, string[]][] {
  return [
    ['error', ['err']],
    ['api', ['src', 'api']],
    ['region', ['region']],
    ['ip', ['ip']],
    ['ua', ['ua']],
    ...(HAS_SESSIONS.includes(kind) ? [['session', ['session']] as [string, string[]]] : []),
    ...(PRINCIPAL_KINDS.includes(kind) ? [] : [['principal', ['principal']] as [string, string[]]]),
  ];
}

/** Panels that every kind shows beside panelsOf's: counted outside the grouping sets. */
const OWN_PANELS = ['total', 'key', 'assumed'];

/** Per panel value: events and errors in scope and in the baseline, first and last seen. */
const PANEL_COUNTS = `count(*) FILTER (s) AS events, count(*) FILTER (s AND err IS NOT NULL) AS errors,
    count(*) FILTER (NOT s) AS baseline, count(*) FILTER (NOT s AND err IS NOT NULL) AS baseline_errors,
    min(ts) FILTER (s) AS first, max(ts) FILTER (s) AS last, min(ts) FILTER (NOT s) AS baseline_first, max(ts) FILTER (NOT s) AS baseline_last`;
/** The same, merged from groups that already hold them. */
const MERGED_COUNTS = `sum(events) AS events, sum(errors) AS errors, sum(baseline) AS baseline, sum(baseline_errors) AS baseline_errors,
    min(first) AS first, max(last) AS last, min(baseline_first) AS baseline_first, max(baseline_last) AS baseline_last`;

/** How a group's events are matched to its targets: by a column's value, or one entity's condition. */
type Match = { readonly key: string } | { readonly entity: Entity };

/**
 * One query for a group of targets, bound as `${targets}` (JSON: index, entity value, window),
 * the entity of a group of one also as `${entity}`. The events are read once and grouped two
 * ways in that pass: by every panel's value together (a principal's events fall into a few
 * thousand such combinations; a GROUPING SETS aggregation of those groups then gives each
 * panel), and by access key alone (a role's sessions can hold a fresh key per call, which
 * would make every event its own combination). The roles assumed come from a second, narrow
 * scan of the AssumeRole* calls only: reading `requestParameters` for all of a busy
 * principal's events cost as much as the rest.
 */
function profileSql(group: readonly ProfileTarget[], by: Match): string {
  const all = group.flatMap((t) => panelsOf(t.entity.kind));
  const panels = [...new Map(all.map((p) => [p[0], p])).values()];
  const keys = panels.flatMap(([, cols]) => cols).join(', ');
  const panelOf = `CASE ${panels.map(([name, cols]) => `WHEN GROUPING(${cols[0] ?? ''}) = 0 THEN '${name}'`).join(' ')} ELSE 'total' END`;
  const firstKey = `coalesce(${panels.map(([, cols]) => cols[0] ?? '').join(', ')})`;
  // One target: its condition filters the scan (DuckDB then reads the other columns of the
  // matching rows only). Several: a join assigns each event to its targets, and DuckDB filters
  // the scan by the join's keys. (An IN list of bound values filtered the scan 2× slower.)
  const match =
    'entity' in by
      ? `cloudtrail, targets WHERE ${entityCondition(by.entity)} AND`
      : `cloudtrail JOIN targets ON ${by.key} = targets.id WHERE`;
  const events = (columns: string, only = ''): string =>
    `SELECT targets.who, "eventTime" >= targets.scope_since AS s, "eventTime" AS ts, "errorCode" AS err, ${columns}
    FROM ${match} ${only}"eventTime" >= targets.baseline_since AND "eventTime" < targets.scope_until
      AND "eventTime" >= CAST(\${window_since} AS TIMESTAMP) AND "eventTime" < CAST(\${window_until} AS TIMESTAMP)`;
  // Each panel lists its values in scope, the most used first, at most PANEL_LIMIT, with how many
  // there are and how many are new.
  return `WITH targets AS (
  SELECT t.who, t.id, CAST(t.baseline_since AS TIMESTAMP) AS baseline_since,
         CAST(t.scope_since AS TIMESTAMP) AS scope_since, CAST(t.scope_until AS TIMESTAMP) AS scope_until
  FROM (SELECT unnest(from_json(\${targets}, '[{"who":"INTEGER","id":"VARCHAR","baseline_since":"VARCHAR","scope_since":"VARCHAR","scope_until":"VARCHAR"}]')) AS t)
), combos AS (
  SELECT GROUPING(akid) = 0 AS is_key, who, ${keys}, akid, ${PANEL_COUNTS}
  FROM (${events(`"eventSource" AS src, "eventName" AS api, "awsRegion" AS region,
           "sourceIPAddress" AS ip, "userAgent" AS ua, "userIdentity"."accessKeyId" AS akid,
           "userIdentity"."arn" AS session, ${PRINCIPAL_SQL} AS principal`)})
  GROUP BY GROUPING SETS ((who, ${keys}), (who, akid))
), assumed AS (
  ${events(`map_extract_value("requestParameters", 'roleArn') AS role`, `${ASSUMES_ROLE} AND `)}
), g AS (
  SELECT who, ${panelOf} AS dim, ${firstKey} AS k1, api AS k2, ${MERGED_COUNTS}
  FROM combos WHERE NOT is_key
  GROUP BY GROUPING SETS ((who), ${panels.map(([, cols]) => `(who, ${cols.join(', ')})`).join(', ')})
  UNION ALL
  SELECT who, 'key', akid, NULL, events, errors, baseline, baseline_errors, first, last, baseline_first, baseline_last
  FROM combos WHERE is_key
  UNION ALL
  SELECT who, 'assumed', role, NULL, ${PANEL_COUNTS} FROM assumed GROUP BY who, role
)
SELECT *, count(*) OVER (PARTITION BY who, dim) AS values_in_scope,
       sum(CASE WHEN baseline = 0 THEN 1 ELSE 0 END) OVER (PARTITION BY who, dim) AS new_values
FROM g WHERE dim = 'total' OR (events > 0 AND k1 IS NOT NULL)
QUALIFY row_number() OVER (PARTITION BY who, dim ORDER BY events DESC, k1, k2) <= ${String(PANEL_LIMIT)}`;
}

/**
 * Every target's profile: a row per (panel `dim`, value `k1`/`k2`) with scope and baseline
 * counts (`events`, `errors`, `baseline`, `baseline_errors`, first and last seen in each) and the
 * panel's `values_in_scope` and `new_values`; the `total` row holds the entity's totals (absent
 * when it has no events in the window). In the targets' order.
 */
export async function profiles(
  targets: readonly ProfileTarget[],
  run: LakeRunner,
): Promise<LakeRow[][]> {
  // Targets matched by the same column share a query; the others have one each.
  const groups = new Map<string, number[]>();
  targets.forEach((t, i) => {
    const name = keyColumn(t.entity) ?? `target ${String(i)}`;
    groups.set(name, [...(groups.get(name) ?? []), i]);
  });
  const result: LakeRow[][] = targets.map(() => []);
  for (const members of groups.values()) {
    const group = members.map((i) => targets[i] as ProfileTarget);
    const first = group[0] as ProfileTarget;
    const key = group.length > 1 ? keyColumn(first.entity) : undefined;
    const rows = await run(
      profileSql(group, key === undefined ? { entity: first.entity } : { key }),
      {
        targets: JSON.stringify(
          group.map((t, who) => ({
            who,
            id: entityParam(t.entity),
            baseline_since: timestampText(t.baselineSince),
            scope_since: timestampText(t.since),
            scope_until: timestampText(t.until),
          })),
        ),
        window_since: timestampText(Math.min(...group.map((t) => t.baselineSince))),
        window_until: timestampText(Math.max(...group.map((t) => t.until))),
        ...(key === undefined ? { entity: entityParam(first.entity) } : {}),
      },
    );
    members.forEach((target, who) => {
      const kind = (targets[target] as ProfileTarget).entity.kind;
      // A group's query computes the panels any member shows; each keeps its own.
      const shown = new Set([...OWN_PANELS, ...panelsOf(kind).map(([dim]) => dim)]);
      result[target] = rows.filter((r) => Number(r['who']) === who && shown.has(String(r['dim'])));
    });
  }
  return result;
}
