/**
 * `ctlake detect` as a library function: the chosen rules run over the lake — event rules in
 * one scan, metric filters and alarms in one scan (plus one for the evidence of alarms that
 * fired), first-seen anomalies in one more — and come back as findings in the contract of
 * finding.ts, most severe first. Rules that cannot run are listed with their file, line and
 * reason; the others still run.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_LAKE_DIR, DEFAULT_LEARNING_DAYS } from '../defaults.js';
import { errnoReason, UsageError } from '../errors.js';
import { detectAnomalies } from './anomalies.js';
import {
  type MetricAlarm,
  type MetricFilter,
  parseMetricAlarms,
  parseMetricFilters,
} from './cloudwatch-config.js';
import { runEventRules } from './event-rules.js';
import { compareFindings, type Finding, type Severity, severityRank } from './finding.js';
import {
  type DetectionWindow,
  isoSeconds,
  type LakeFacts,
  lakeEventNames,
  type LakeRunner,
  lakeTimeRange,
} from './lake-rows.js';
import { inLake } from './lake-session.js';
import { partSetFingerprint, saveFindings } from './saved-findings.js';
import { alarmEvidence, replayAlarmsWith } from './replay-alarms.js';
import {
  type AlarmRule,
  builtInPacks,
  type EventRule,
  readRules,
  ruleFiles,
  type SkippedRule,
} from './rules.js';

/** The pack that is not a folder of rules: first-seen anomalies (anomalies.ts). */
export const ANOMALY_PACK = 'anomalies';

/** Every pack `--pack` may name. */
export function detectionPacks(): string[] {
  return [...builtInPacks(), ANOMALY_PACK].sort();
}

export interface DetectOptions {
  /** The lake directory (default `ctlake-lake`). */
  readonly lakeDir?: string;
  /** Built-in packs to run (detectionPacks()). */
  readonly packs?: readonly string[];
  /** Rule files or folders (Sigma rules, ctlake alarm rules). */
  readonly rules?: readonly string[];
  /** Metric filters and alarms, as `aws logs describe-metric-filters` and `aws cloudwatch describe-alarms` print them (readCloudWatchFiles). */
  readonly metricFilters?: readonly MetricFilter[];
  readonly alarms?: readonly MetricAlarm[];
  /** The detection window, ISO 8601 (default: the whole lake). */
  readonly since?: string;
  readonly until?: string;
  /** Days of history before the window that anomalies are judged against (default 14). */
  readonly learningDays?: number;
  readonly signal?: AbortSignal;
}

export interface DetectResult {
  /** Most severe first, then by time. */
  readonly findings: readonly Finding[];
  /** Rules (and alarms) that did not run, and why. */
  readonly skipped: readonly SkippedRule[];
  /** How many rules ran, alarms and anomaly detectors included. */
  readonly rulesRun: number;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${what} ${file}: cannot read it (${errnoReason(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${what} ${file}: not JSON (${(error as Error).message})`);
  }
}

/** The two files the AWS CLI prints, read and checked (a bad one is a UsageError naming it). */
export function readCloudWatchFiles(
  metricFiltersFile: string,
  alarmsFile: string,
): { metricFilters: MetricFilter[]; alarms: MetricAlarm[]; skipped: SkippedRule[] } {
  const metricFilters = parseMetricFilters(
    readJson(metricFiltersFile, '--metric-filters'),
    metricFiltersFile,
  );
  const { alarms, setAside } = parseMetricAlarms(readJson(alarmsFile, '--alarms'), alarmsFile);
  return {
    metricFilters,
    alarms,
    skipped: setAside.map((a) => ({ rule: a.name, file: alarmsFile, reason: a.reason })),
  };
}

function checkTime(value: string | undefined, flag: string): void {
  if (value !== undefined && Number.isNaN(Date.parse(value))) {
    throw new UsageError(`${flag} ${value} is not a time (ISO 8601, e.g. 2026-03-01T00:00:00Z)`);
  }
}

/** The findings of the alarms (users' and packs'), one per transition into ALARM. */
async function alarmFindings(
  run: LakeRunner,
  metricFilters: readonly MetricFilter[],
  alarms: readonly MetricAlarm[],
  rulesByAlarm: ReadonlyMap<string, AlarmRule>,
  window: DetectionWindow,
  known: LakeFacts,
): Promise<{ findings: Finding[]; skipped: SkippedRule[] }> {
  const { result, publishers, jobs } = await replayAlarmsWith(
    run,
    metricFilters,
    alarms,
    window,
    known,
  );
  const evidence = await alarmEvidence(run, publishers, jobs, result.replays);
  const findings: Finding[] = [];
  result.replays.forEach((replay, a) => {
    const rule = rulesByAlarm.get(replay.alarm.alarmName);
    replay.transitions.forEach((t, k) => {
      if (t.state !== 'ALARM') return;
      const found = evidence.get(`${String(a)}:${String(k)}`);
      const first = found?.first;
      findings.push({
        rule: rule?.id ?? replay.alarm.alarmName,
        title: rule?.title ?? `CloudWatch alarm ${replay.alarm.alarmName}`,
        // A user's alarm carries no severity; medium says "look at it" without outranking
        // the packs' high and critical rules.
        severity: rule?.severity ?? 'medium',
        kind: 'alarm',
        time: isoSeconds(t.time * 1000),
        principal: first?.principal ?? null,
        accountId: first?.accountId ?? null,
        region: first?.region ?? null,
        eventSource: first?.eventSource ?? null,
        eventName: first?.eventName ?? null,
        eventCount: found?.eventCount ?? 0,
        events: found?.events ?? [],
        details: {
          alarmName: replay.alarm.alarmName,
          state: t.state,
          previousState: t.previousState,
          value: t.value ?? null,
          threshold: replay.alarm.threshold,
          comparisonOperator: replay.alarm.comparisonOperator,
          statistic: replay.alarm.statistic,
          period: replay.alarm.period,
          evaluationPeriods: replay.alarm.evaluationPeriods,
          datapointsToAlarm: replay.alarm.datapointsToAlarm,
          datapoints: t.datapoints.map((v) => v ?? null),
          filters: replay.filters,
        },
        mitre: rule?.mitre ?? [],
      });
    });
  });
  return {
    findings,
    skipped: result.setAside.map((s) => ({ rule: s.name, file: 'alarms', reason: s.reason })),
  };
}

export async function detect(options: DetectOptions = {}): Promise<DetectResult> {
  checkTime(options.since, '--since');
  checkTime(options.until, '--until');
  const learningDays = options.learningDays ?? DEFAULT_LEARNING_DAYS;
  if (!Number.isFinite(learningDays) || learningDays <= 0) {
    throw new UsageError(`--learning-days ${String(learningDays)} must be a positive number`);
  }
  const everything =
    options.packs === undefined && options.rules === undefined && options.alarms === undefined;
  const packs = everything ? detectionPacks() : [...(options.packs ?? [])];
  const known = detectionPacks();
  const unknown = packs.find((p) => !known.includes(p));
  if (unknown !== undefined) {
    throw new UsageError(`--pack ${unknown}: no such pack (built in: ${known.join(', ')})`);
  }
  const { rules, skipped: ruleSkips } = readRules(
    ruleFiles(
      packs.filter((p) => p !== ANOMALY_PACK),
      options.rules ?? [],
    ),
  );
  const eventRules = rules.filter((r): r is EventRule => r.kind === 'event');
  const alarmRules = rules.filter((r): r is AlarmRule => r.kind === 'alarm');
  const window: DetectionWindow = {
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.until === undefined ? {} : { until: options.until }),
  };
  const metricFilters = [...(options.metricFilters ?? []), ...alarmRules.map((r) => r.filter)];
  const alarms = [...(options.alarms ?? []), ...alarmRules.map((r) => r.alarm)];
  const rulesByAlarm = new Map(alarmRules.map((r) => [r.alarm.alarmName, r]));
  const withAnomalies = packs.includes(ANOMALY_PACK);

  const lakeDir = options.lakeDir ?? DEFAULT_LAKE_DIR;
  const complete = everything && learningDays === DEFAULT_LEARNING_DAYS;
  const partSet = complete ? partSetFingerprint(lakeDir) : undefined;
  const result = await inLake(lakeDir, options.signal, async (run) => {
    // Asked of the lake once, for every detector that needs them.
    const names =
      eventRules.length > 0 || alarms.length > 0 ? await lakeEventNames(window, run) : [];
    const range =
      alarms.length > 0 || withAnomalies ? await lakeTimeRange(run) : { first: NaN, last: NaN };
    const findings: Finding[] = await runEventRules(eventRules, window, names, run);
    const skipped: SkippedRule[] = [...ruleSkips];
    if (alarms.length > 0) {
      const fromAlarms = await alarmFindings(run, metricFilters, alarms, rulesByAlarm, window, {
        eventNames: names,
        range,
      });
      findings.push(...fromAlarms.findings);
      skipped.push(...fromAlarms.skipped);
    }
    let anomalyDetectors = 0;
    if (withAnomalies) {
      const anomalies = await detectAnomalies(run, window, learningDays, { range });
      findings.push(...anomalies.findings);
      anomalyDetectors = anomalies.detectors;
    }
    return {
      findings: findings.sort(compareFindings),
      skipped,
      rulesRun: eventRules.length + alarms.length + anomalyDetectors,
    };
  });
  // A complete run is kept for investigations (saved-findings.ts); a lake that cannot be
  // written to (read-only media) just goes without.
  if (partSet !== undefined && result.skipped.length === 0) {
    await saveFindings(lakeDir, {
      partSet,
      ...window,
      learningDays,
      findings: result.findings,
    }).catch(() => undefined);
  }
  return result;
}

/** Whether any finding is at or above `severity` (the CLI's --fail-on). */
export function reaches(findings: readonly Finding[], severity: Severity): boolean {
  return findings.some((f) => severityRank(f.severity) >= severityRank(severity));
}
