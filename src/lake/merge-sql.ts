/**
 * The SQL that unions other lakes' catalogs into this one (`ctlake merge`), each attached
 * read-only under an alias. Run numbers are shifted past the lake's own so that two shards'
 * "run 1" stay two runs, and every object, error and part keeps pointing at its own run.
 */
import { quotedIdentifier, quotedString } from '../duckdb/sql-text.js';

/** An attached catalog: its alias in the connection and how far its run numbers move. */
export interface AttachedCatalog {
  readonly alias: string;
  /** Added to each of its run_ids. */
  readonly runOffset: number;
  /** Shown before each of its runs' `sources`, e.g. the lake it was merged from. */
  readonly label: string;
}

/**
 * The name two lakes would both hold an object under, so that shards that read one archive from
 * different places (a bucket on one machine, `ctlake download`'s copy on another) are compared
 * as the same objects: inside CloudTrail's layout the path from its last `AWSLogs` segment on,
 * else the URI itself. object-shard.ts's `trailRelativeName` is the same rule, for one name.
 */
export const OBJECT_IDENTITY_SQL = `coalesce(nullif(regexp_extract(uri, '^(?:.*[/\\\\])?(AWSLogs[/\\\\].*)$', 1), ''), uri)`;

/**
 * One object held by two of the lakes (index 0 is the lake merged into, then the attached ones
 * in order): the first by identity, as `identity`, `uris` and `lakes` (lake indexes, ascending).
 */
export function sharedObjectSql(catalogs: readonly AttachedCatalog[]): string {
  const sources = [
    `SELECT 0 AS lake, uri FROM main.objects`,
    ...catalogs.map(
      (c, i) => `SELECT ${String(i + 1)}, uri FROM ${quotedIdentifier(c.alias)}.objects`,
    ),
  ];
  return `WITH held AS (${sources.join(' UNION ALL ')})
    SELECT ${OBJECT_IDENTITY_SQL} AS identity, list(uri ORDER BY lake) AS uris, list(lake ORDER BY lake) AS lakes
    FROM held GROUP BY identity HAVING count(DISTINCT lake) > 1 ORDER BY identity LIMIT 1`;
}

/** The statements that copy an attached catalog's runs, objects, errors and verifications in. */
export function unionCatalogSql(catalog: AttachedCatalog): string {
  const from = (table: string): string => `${quotedIdentifier(catalog.alias)}.${table}`;
  const run = `run_id + ${String(catalog.runOffset)}`;
  return `
    INSERT INTO runs (run_id, started_at, finished_at, sources, status, objects, events, bytes, errors)
      SELECT ${run}, started_at, finished_at, ${quotedString(catalog.label)} || sources, status, objects, events, bytes, errors
      FROM ${from('runs')};
    INSERT INTO objects (uri, size, version, kind, events, run_id, ingested_at, sha256)
      SELECT uri, size, version, kind, events, ${run}, ingested_at, sha256 FROM ${from('objects')};
    INSERT INTO errors (run_id, uri, size, version, reason, failed_at)
      SELECT ${run}, uri, size, version, reason, failed_at FROM ${from('errors')};
    INSERT INTO verifications (uri, status, reason, digest, verified_at)
      SELECT uri, status, reason, digest, verified_at FROM ${from('verifications')}
      ON CONFLICT DO NOTHING;`;
}
