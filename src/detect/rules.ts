/**
 * Detection rules read from YAML files: Sigma rules for CloudTrail (event rules, optionally with
 * ctlake's `threshold`), and ctlake's alarm rules (a metric filter and its alarm), from the
 * built-in packs (`rules/<pack>/`) or a user's files and folders. rules/README.md is the format.
 * A rule that cannot run is set aside with its file, line and reason; the others still run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { errnoReason, UsageError } from '../errors.js';
import { packagePath } from '../util/package-files.js';
import {
  type MetricAlarm,
  type MetricFilter,
  parseMetricAlarms,
  parseMetricFilters,
} from './cloudwatch-config.js';
import { isSeverity, mitreFromTags, type Severity } from './finding.js';
import { cellText } from './lake-rows.js';
import { parsePattern } from './metric-filter/pattern.js';
import { compileDetection, type CompiledDetection, SigmaError } from './sigma/sigma-sql.js';

/** What every rule says about itself. */
export interface RuleInfo {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly mitre: readonly string[];
  /** `file:line` of the rule. */
  readonly origin: string;
  /** The rule's `author`; findings carry it, as the Detection Rule License asks of Sigma's. */
  readonly author?: string;
  /** Where the rule is published. */
  readonly url?: string;
}

/** The columns a threshold may group events by. */
export const GROUP_KEYS = [
  'principal',
  'accountId',
  'awsRegion',
  'sourceIPAddress',
  'eventSource',
  'eventName',
  'userAgent',
] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

/** ctlake's extension of a Sigma rule: matching events count only in groups that reach it. */
export interface Threshold {
  readonly by: readonly GroupKey[];
  readonly windowSeconds: number;
  readonly events: number;
  readonly distinct: Readonly<Partial<Record<GroupKey, number>>>;
}

export interface EventRule extends RuleInfo {
  readonly kind: 'event';
  /** The detection as a SQL condition; its parameter names are unique to this rule. */
  readonly detection: CompiledDetection;
  readonly threshold?: Threshold;
}

export interface AlarmRule extends RuleInfo {
  readonly kind: 'alarm';
  readonly filter: MetricFilter;
  readonly alarm: MetricAlarm;
}

export type Rule = EventRule | AlarmRule;

/** A rule (or a file) that does not run, and why. */
export interface SkippedRule {
  readonly rule?: string;
  /** `file` or `file:line`. */
  readonly file: string;
  readonly reason: string;
}

export interface RuleSet {
  readonly rules: readonly Rule[];
  readonly skipped: readonly SkippedRule[];
}

const LEVELS: Readonly<Record<string, Severity>> = { informational: 'info' };
const RULES_DIR = packagePath('rules');
/** Where the `sigma` pack's files come from (rules/sigma/SOURCE.md). */
const SIGMAHQ_RULES_URL =
  'https://github.com/SigmaHQ/sigma/blob/8eaafff1f2845a696050e05e72ba1140ee190698/rules/cloud/aws/cloudtrail/';

/** The built-in packs: the folders of `rules/`. */
export function builtInPacks(): string[] {
  return readdirSync(RULES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function yamlFilesUnder(target: string): string[] {
  let stat;
  try {
    stat = statSync(target);
  } catch (error) {
    throw new UsageError(`--rules ${target}: cannot read it (${errnoReason(error)})`);
  }
  if (!stat.isDirectory()) return [target];
  return readdirSync(target, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Why a rule cannot run, and where in its document (a path of keys) the fault is. */
class RuleProblem extends Error {
  readonly at: readonly string[];

  constructor(message: string, at?: string | readonly string[]) {
    super(message);
    this.at = at === undefined ? [] : typeof at === 'string' ? [at] : at;
  }
}

/** A rule that is well formed but does not run here, and the key that says so. */
interface NotRun {
  readonly reason: string;
  readonly at: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function parseWindow(text: unknown): number {
  const match = typeof text === 'string' ? /^(\d+)\s*([smhd])$/.exec(text.trim()) : null;
  if (match === null)
    throw new RuleProblem('threshold.window must be like 30m, 1h or 1d', 'threshold');
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < 1) throw new RuleProblem('threshold.window must be at least 1s', 'threshold');
  return seconds;
}

function groupKey(text: unknown): GroupKey {
  if (typeof text === 'string' && (GROUP_KEYS as readonly string[]).includes(text)) {
    return text as GroupKey;
  }
  throw new RuleProblem(
    `threshold: ${String(text)} is not one of ${GROUP_KEYS.join(', ')}`,
    'threshold',
  );
}

function parseThreshold(value: unknown): Threshold {
  if (!isObject(value)) throw new RuleProblem('threshold must be a map', 'threshold');
  const by = value['by'] === undefined ? [] : value['by'];
  if (!Array.isArray(by)) throw new RuleProblem('threshold.by must be a list', 'threshold');
  const events = value['events'] ?? 1;
  if (typeof events !== 'number' || !Number.isInteger(events) || events < 1) {
    throw new RuleProblem('threshold.events must be a whole number ≥ 1', 'threshold');
  }
  const distinct: Partial<Record<GroupKey, number>> = {};
  const given = value['distinct'] ?? {};
  if (!isObject(given)) throw new RuleProblem('threshold.distinct must be a map', 'threshold');
  for (const [key, min] of Object.entries(given)) {
    if (typeof min !== 'number' || !Number.isInteger(min) || min < 1) {
      throw new RuleProblem(`threshold.distinct.${key} must be a whole number ≥ 1`, 'threshold');
    }
    distinct[groupKey(key)] = min;
  }
  return { by: by.map(groupKey), windowSeconds: parseWindow(value['window']), events, distinct };
}

function ruleInfo(
  body: Record<string, unknown>,
  fallbackId: string,
  file: string,
  origin: string,
): RuleInfo {
  const id =
    typeof body['id'] === 'string' && body['id'].trim() !== '' ? body['id'].trim() : fallbackId;
  const title = typeof body['title'] === 'string' ? body['title'] : id;
  const level = typeof body['level'] === 'string' ? body['level'].toLowerCase() : 'medium';
  const severity = LEVELS[level] ?? level;
  if (!isSeverity(severity)) {
    throw new RuleProblem(
      `level ${level} is not one of informational, low, medium, high, critical`,
      'level',
    );
  }
  const tags = Array.isArray(body['tags']) ? body['tags'].filter((t) => typeof t === 'string') : [];
  const author = typeof body['author'] === 'string' ? body['author'].trim() : undefined;
  const url =
    path.dirname(path.resolve(file)) === path.join(RULES_DIR, 'sigma')
      ? SIGMAHQ_RULES_URL + path.basename(file)
      : undefined;
  return {
    id,
    title,
    severity,
    mitre: mitreFromTags(tags),
    origin,
    ...(author === undefined || author === '' ? {} : { author }),
    ...(url === undefined ? {} : { url }),
  };
}

function parseRule(body: Record<string, unknown>, info: RuleInfo, prefix: string): Rule | NotRun {
  if (body['correlation'] !== undefined) {
    return { reason: 'Sigma correlation rules are not supported', at: ['correlation'] };
  }
  if (body['action'] !== undefined) {
    return { reason: 'Sigma rule collections (action:) are not supported', at: ['action'] };
  }
  if (body['metricFilter'] !== undefined || body['alarm'] !== undefined) {
    const filter = body['metricFilter'];
    const alarm = body['alarm'];
    if (!isObject(filter) || !isObject(alarm)) {
      throw new RuleProblem('an alarm rule needs both metricFilter and alarm maps');
    }
    const [metricFilter] = parseMetricFilters(
      {
        metricFilters: [
          {
            filterName: info.id,
            filterPattern: filter['filterPattern'],
            metricTransformations: [
              {
                metricName: info.id,
                metricNamespace: 'ctlake',
                metricValue: cellText(filter['metricValue'] ?? '1'),
                ...(filter['defaultValue'] === undefined
                  ? {}
                  : { defaultValue: filter['defaultValue'] }),
              },
            ],
          },
        ],
      },
      info.origin,
    );
    parsePattern((metricFilter as MetricFilter).filterPattern);
    const parsed = parseMetricAlarms(
      {
        MetricAlarms: [{ ...alarm, AlarmName: info.id, MetricName: info.id, Namespace: 'ctlake' }],
      },
      info.origin,
    );
    const [metricAlarm] = parsed.alarms;
    if (metricAlarm === undefined) {
      return { reason: parsed.setAside[0]?.reason ?? 'the alarm is not replayed', at: ['alarm'] };
    }
    return { ...info, kind: 'alarm', filter: metricFilter as MetricFilter, alarm: metricAlarm };
  }
  const logsource = body['logsource'];
  if (!isObject(logsource)) throw new RuleProblem('a Sigma rule needs a logsource', 'logsource');
  if (
    String(logsource['product']).toLowerCase() !== 'aws' ||
    String(logsource['service']).toLowerCase() !== 'cloudtrail'
  ) {
    return {
      reason: 'its logsource is not {product: aws, service: cloudtrail}',
      at: ['logsource'],
    };
  }
  const detection = body['detection'];
  if (!isObject(detection))
    throw new RuleProblem('a Sigma rule needs a detection map', 'detection');
  try {
    return {
      ...info,
      kind: 'event',
      detection: compileDetection(detection, prefix),
      ...(body['threshold'] === undefined ? {} : { threshold: parseThreshold(body['threshold']) }),
    };
  } catch (error) {
    if (error instanceof RuleProblem) throw error;
    const at = error instanceof SigmaError ? (error.at ?? []) : [];
    throw new RuleProblem((error as Error).message, ['detection', ...at]);
  }
}

/** The line of the node at `at` (a path of keys) in a document, or of its nearest ancestor. */
function lineOf(document: Document, counter: LineCounter, at: readonly string[] = []): number {
  for (let depth = at.length; depth > 0; depth--) {
    const path = at.slice(0, depth);
    // The key's own line: a value node may start on the next line.
    const parent = depth === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
    if (parent !== null && typeof parent === 'object' && 'items' in parent) {
      for (const item of parent.items as { key?: { value?: unknown; range?: number[] } }[]) {
        const key = item.key;
        if (key?.value === path[depth - 1] && key?.range !== undefined) {
          return counter.linePos(key.range[0] ?? 0).line;
        }
      }
    }
  }
  return counter.linePos(document.contents?.range?.[0] ?? 0).line;
}

/** Rules read from files, in order; an id met twice runs once (the first). */
export function readRules(files: readonly string[]): RuleSet {
  const rules: Rule[] = [];
  const skipped: SkippedRule[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      skipped.push({ file, reason: `cannot read it (${errnoReason(error)})` });
      continue;
    }
    const counter = new LineCounter();
    const documents = parseAllDocuments(text, { lineCounter: counter });
    const list = Array.isArray(documents) ? documents : [documents];
    list.forEach((document, d) => {
      const firstError = document.errors[0];
      if (firstError !== undefined) {
        const line = firstError.linePos?.[0].line ?? lineOf(document, counter);
        skipped.push({
          file: `${file}:${String(line)}`,
          reason: `not valid YAML: ${(firstError.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
        });
        return;
      }
      const body: unknown = document.toJS();
      if (body === null || body === undefined) return;
      const fallbackId =
        path.basename(file).replace(/\.ya?ml$/i, '') + (d > 0 ? `-${String(d)}` : '');
      const origin = `${file}:${String(lineOf(document, counter))}`;
      if (!isObject(body)) {
        skipped.push({ file: origin, reason: 'a rule must be a YAML map' });
        return;
      }
      let info: RuleInfo | undefined;
      try {
        info = ruleInfo(body, fallbackId, file, origin);
        if (ids.has(info.id)) {
          skipped.push({
            rule: info.id,
            file: origin,
            reason: `the id ${info.id} is used by an earlier rule`,
          });
          return;
        }
        const rule = parseRule(body, info, `r${String(rules.length)}_`);
        if ('reason' in rule) {
          skipped.push({
            rule: info.id,
            file: `${file}:${String(lineOf(document, counter, rule.at))}`,
            reason: rule.reason,
          });
          return;
        }
        ids.add(info.id);
        rules.push(rule);
      } catch (error) {
        const at = error instanceof RuleProblem ? error.at : [];
        skipped.push({
          ...(info === undefined ? {} : { rule: info.id }),
          file: `${file}:${String(lineOf(document, counter, at))}`,
          reason: (error as Error).message.replace(/^.*?: (?=")/, ''),
        });
      }
    });
  }
  return { rules, skipped };
}

/** The rule files of built-in packs (by name) and of user paths (files or folders). */
export function ruleFiles(packs: readonly string[], paths: readonly string[]): string[] {
  const known = builtInPacks();
  const files: string[] = [];
  for (const pack of packs) {
    if (!known.includes(pack)) {
      throw new UsageError(`--pack ${pack}: no such pack (built in: ${known.join(', ')})`);
    }
    files.push(...yamlFilesUnder(path.join(RULES_DIR, pack)));
  }
  for (const target of paths) files.push(...yamlFilesUnder(target));
  return files;
}
