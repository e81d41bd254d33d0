/**
 * ctlake as a library: `import { ingest, query } from 'ctlake'`. Each command of the CLI is one
 * function here with typed options and a typed result; the CLI only parses flags into them and
 * prints what they return. Errors a caller can cause are CtlakeError values with a stable `code`
 * and a one-line message.
 */
export {
  ingest,
  type IngestOptions,
  type IngestProgress,
  type IngestSummary,
} from './ingest/ingest.js';
export type { ScratchLimits } from './ingest/scratch-file.js';
export { compact, type CompactOptions, type CompactSummary } from './maintenance/compact.js';
export { LAKE_ENGINES, lakeDdl, type LakeDdlOptions, type LakeEngine } from './scale/ddl.js';
export {
  query,
  runQuery,
  type QueryBase,
  type QueryRequest,
  type QueryResult,
  type QuerySource,
} from './query/run-query.js';
export type { JsonValue } from './query/json-value.js';
export {
  findNamedQuery,
  loadNamedQueries as listNamedQueries,
  type NamedQuery,
  type QueryParameter,
} from './query/named-queries.js';
export {
  detect,
  detectionPacks,
  readCloudWatchFiles,
  type DetectOptions,
  type DetectResult,
} from './detect/detect.js';
export {
  type Evidence,
  type Finding,
  type FindingKind,
  MAX_EVIDENCE,
  SEVERITIES,
  type Severity,
} from './detect/finding.js';
export { formatFindings, ocsfFinding } from './detect/finding-formats.js';
export {
  replayAlarms,
  type AlarmReplay,
  type AlarmReplayOptions,
  type AlarmReplayResult,
} from './detect/replay-alarms.js';
export type { AlarmTransition } from './detect/alarm/replay.js';
export type { MetricAlarm, MetricFilter } from './detect/cloudwatch-config.js';
export type { SkippedRule } from './detect/rules.js';
export { verify, type Verification, type VerifyOptions } from './verify/verify.js';
export {
  investigate,
  investigateEach,
  streamTimeline,
  type InvestigateOptions,
  type InvestigateRequest,
} from './investigate/investigate.js';
export { ENTITY_KINDS, type Entity, type EntityKind } from './investigate/entity.js';
export type * from './investigate/investigation.js';
export { investigationHtml } from './investigate/render-html.js';
export { writeInvestigationJson } from './investigate/render-json.js';
export { investigationText } from './investigate/render-text.js';
export { report, type ReportOptions } from './report/build-report.js';
export type * from './report/report.js';
export { renderReport, REPORT_FORMATS, type ReportFormat } from './report/render-report.js';
export type { ArchiveVerification, MissingLogFile, Problem } from './verify/verify-archive.js';
export type { MissingRange } from './verify/chains.js';
export type { AffectedObject, LakeVerification, PartProblem } from './verify/verify-lake.js';
export { verificationJson, verificationText } from './verify/verify-text.js';
export type { DownloadOptions, DownloadSummary } from './source/download.js';
export type { S3Options } from './source/open-sources.js';
export type { ObjectSelection } from './source/object-filter.js';
export type { Shard } from './source/object-shard.js';
export type { ListingProblem, TrailSource } from './source/trail-source.js';
export type { ObjectLocation, TrailObject } from './source/trail-object.js';
export type { TrailKey } from './source/trail-key.js';
/** Mirrors an S3 archive to disk with each digest's signature beside it (loads the AWS SDK). */
export async function download(
  options: import('./source/download.js').DownloadOptions,
): Promise<import('./source/download.js').DownloadSummary> {
  return (await import('./source/download.js')).download(options);
}
export { merge, type MergeOptions, type MergeSummary } from './scale/merge.js';
export type { PushManifest, PushOptions, PushSummary } from './scale/push.js';
/** Uploads the lake's live parts and a manifest to S3 (loads the AWS SDK). */
export async function push(
  options: import('./scale/push.js').PushOptions,
): Promise<import('./scale/push.js').PushSummary> {
  return (await import('./scale/push.js')).push(options);
}
export {
  CtlakeError,
  type CtlakeErrorCode,
  LakeBusyError,
  QueryError,
  UsageError,
} from './errors.js';
export {
  DEFAULT_BASELINE_DAYS,
  DEFAULT_COMPACT_MEMORY,
  DEFAULT_LAKE_DIR,
  DEFAULT_LEARNING_DAYS,
  FINDING_FORMATS,
  type FindingFormat,
  DEFAULT_QUERY_LIMITS,
  DEFAULT_QUERY_TIMEOUT_SECONDS,
  DEFAULT_WORKER_MEMORY,
  OUTPUT_FORMATS,
  type OutputFormat,
  type QueryLimits,
} from './defaults.js';
