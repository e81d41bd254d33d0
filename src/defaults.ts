/**
 * The defaults of every command, in one light module: the CLI builds its flags and `--help` from
 * them without loading DuckDB, the worker pool or the AWS SDK. Each says why it is what it is.
 */

/** The lake directory when none is given. */
export const DEFAULT_LAKE_DIR = 'ctlake-lake';

/**
 * DuckDB's memory limit per ingest worker. DuckDB fills what it is allowed (read buffers,
 * caches), so the limit sets the worker's footprint; 256 MB loses nothing in speed against 512 MB
 * and, with row groups capped in bytes, ingests a 190 MB object.
 */
export const DEFAULT_WORKER_MEMORY = '256MB';

/**
 * DuckDB's memory limit for compaction. The process peaks up to half above it (the writers' pages
 * and what the allocator keeps are not counted), so 700MB keeps compaction within 1 GiB.
 */
export const DEFAULT_COMPACT_MEMORY = '700MB';

/** What one query session may use: beyond `memory`, DuckDB spills, up to `tempSpace`. */
export interface QueryLimits {
  /** DuckDB's memory limit (its size syntax). */
  readonly memory: string;
  /** Room for spilled data in the session's private temp directory. */
  readonly tempSpace: string;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { memory: '2GB', tempSpace: '10GB' };

/**
 * Investigations' sessions: a report profiles all its principals in one query, whose hash
 * tables (a key per call when sessions rotate keys) grew to 1.65 GB of RSS on the 10M lake at
 * the default limit. At 512MB DuckDB spills what does not fit: that query 6.8 → 8.4 s, and the
 * whole report (detections run for it) peaks at 1.08 GB instead of 1.48 GB; one investigation's
 * queries stay under the limit.
 */
export const INVESTIGATION_QUERY_LIMITS: QueryLimits = { memory: '512MB', tempSpace: '10GB' };

/** How long a query may run unless told otherwise: a runaway query ends, a real one fits. */
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 300;

/** Result formats: text ones print, binary ones need a file. */
export const TEXT_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];
export const BINARY_FORMATS = ['parquet', 'arrow'] as const;
export const OUTPUT_FORMATS = [...TEXT_FORMATS, ...BINARY_FORMATS] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Days of history a first-seen anomaly is judged against (GuardDuty and Detective learn over
 * weeks; two weeks covers a fortnightly job and fits a typical downloaded archive).
 */
export const DEFAULT_LEARNING_DAYS = 14;

/** `ctlake detect --format`: findings for a person, for programs, for SIEMs (OCSF). */
export const FINDING_FORMATS = ['table', 'json', 'ndjson', 'csv', 'ocsf'] as const;
export type FindingFormat = (typeof FINDING_FORMATS)[number];

/** Days before an investigation's scope that "new" is judged against, as Amazon Detective. */
export const DEFAULT_BASELINE_DAYS = 45;
