/**
 * The `genai`, `attack`, `cis` and `seeds` packs against their planted story (fixtures/generator/
 * detection-story.ts): every rule raises a finding on the events planted for it and none on
 * their near misses — for an alarm rule, a transition into ALARM whose evidence holds its
 * events and none whose evidence holds a near miss — through a real archive in CloudTrail's S3
 * layout, a real ingest and the library's detect(). Every rule file must have a case, so a new
 * rule without one fails here.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { detectionCases } from '../../fixtures/generator/detection-story.js';
import { isoSeconds, record } from '../../fixtures/generator/events.js';
import { castFor, type JsonObject } from '../../fixtures/generator/identities.js';
import { Rng } from '../../fixtures/generator/rng.js';
import { detect, type DetectResult } from '../../src/detect/detect.js';
import { ingest } from '../../src/ingest/ingest.js';
import { REPO_ROOT, tempDir } from '../util/cli.js';

const PACKS = ['genai', 'attack', 'cis', 'seeds'] as const;
const ACCOUNT = '111122223333';
const START = new Date('2026-11-02T00:00:00Z');

interface PlantedCase {
  readonly rule: string;
  /** eventID → eventName, of the events that must raise the rule. */
  readonly matches: ReadonlyMap<string, string>;
  /** eventID → eventName, of the look-alikes that must not. */
  readonly nearMisses: ReadonlyMap<string, string>;
}

const rng = new Rng(2026_11_30);
const cast = castFor(ACCOUNT, rng, '192.0.2');
const records: JsonObject[] = [];
const planted: PlantedCase[] = detectionCases(rng, cast, START).map((c) => {
  const build = (specs: typeof c.matches): Map<string, string> =>
    new Map(
      specs.map((spec) => {
        const r = record(rng, spec);
        records.push(r);
        return [r['eventID'] as string, spec.name];
      }),
    );
  return { rule: c.rule, matches: build(c.matches), nearMisses: build(c.nearMisses) };
});

/** The records as a trail delivers them: one gzipped file per account, region and hour. */
function writeArchive(dir: string): void {
  const files = new Map<string, JsonObject[]>();
  for (const r of records) {
    const account = r['recipientAccountId'] as string;
    const region = r['awsRegion'] as string;
    const hour = (r['eventTime'] as string).slice(0, 13);
    const key = `${account}|${region}|${hour}`;
    files.set(key, [...(files.get(key) ?? []), r]);
  }
  let n = 0;
  for (const [key, list] of files) {
    const [account = '', region = '', hour = ''] = key.split('|');
    const day = hour.slice(0, 10).split('-');
    const stamp =
      isoSeconds(new Date(`${hour}:00:00Z`))
        .replace(/[-:]/g, '')
        .slice(0, 13) + 'Z';
    const folder = path.join(dir, 'AWSLogs', account, 'CloudTrail', region, ...day);
    mkdirSync(folder, { recursive: true });
    const name = `${account}_CloudTrail_${region}_${stamp}_${String(n++).padStart(4, '0')}.json.gz`;
    writeFileSync(path.join(folder, name), gzipSync(JSON.stringify({ Records: list })));
  }
}

interface RuleFile {
  readonly id: string;
  /** A metric filter and its alarm, rather than an event rule. */
  readonly alarm: boolean;
}

function ruleFiles(pack: string): RuleFile[] {
  const folder = path.join(REPO_ROOT, 'rules', pack);
  return readdirSync(folder)
    .filter((file) => /\.ya?ml$/i.test(file))
    .map((file) => {
      const body = parse(readFileSync(path.join(folder, file), 'utf8')) as {
        id?: unknown;
        alarm?: unknown;
      };
      return {
        id: typeof body.id === 'string' ? body.id : `${pack}/${file} (no id)`,
        alarm: body.alarm !== undefined,
      };
    });
}

const RULE_FILES = PACKS.flatMap(ruleFiles);
const ALARM_RULES = new Set(RULE_FILES.filter((r) => r.alarm).map((r) => r.id));
const eventCases = planted.filter((c) => !ALARM_RULES.has(c.rule));
const alarmCases = planted.filter((c) => ALARM_RULES.has(c.rule));

describe('the genai, attack, cis and seeds packs on their planted story', () => {
  const dir = tempDir('packs');
  let result: DetectResult;

  beforeAll(async () => {
    const archive = path.join(dir, 'archive');
    const lakeDir = path.join(dir, 'lake');
    writeArchive(archive);
    const summary = await ingest({ sources: [archive], lakeDir, workers: 1 });
    expect(summary.errors).toBe(0);
    result = await detect({ lakeDir, packs: [...PACKS] });
  }, 300_000);

  it('has a case for every rule file of the packs, and no case for a rule that is not there', () => {
    const ids = RULE_FILES.map((r) => r.id).sort();
    expect(planted.map((c) => c.rule).sort()).toEqual(ids);
    expect(alarmCases.map((c) => c.rule).sort()).toEqual(
      ruleFiles('cis')
        .concat(ruleFiles('seeds'))
        .map((r) => r.id)
        .sort(),
    );
  });

  it('runs every rule of the packs (none skipped)', () => {
    expect(result.skipped).toEqual([]);
  });

  it.each(eventCases)('$rule: raised by its events, not by their near misses', (c) => {
    expect(c.matches.size).toBeGreaterThan(0);
    expect(c.nearMisses.size).toBeGreaterThan(0);
    const cited = new Set(
      result.findings
        .filter((f) => f.rule === c.rule)
        .flatMap((f) => f.events.map((e) => e.eventID)),
    );
    const raised = [...c.matches.keys()].filter((id) => cited.has(id));
    expect(raised.length, `no finding of ${c.rule} cites its planted events`).toBeGreaterThan(0);
    const wrongly = [...c.nearMisses].filter(([id]) => cited.has(id)).map(([, name]) => name);
    expect(wrongly, `near misses raised ${c.rule}`).toEqual([]);
  });

  it.each(alarmCases)(
    '$rule: its alarm goes to ALARM on its events, never on their near misses',
    (c) => {
      expect(c.matches.size).toBeGreaterThan(0);
      expect(c.nearMisses.size).toBeGreaterThan(0);
      const ofRule = result.findings.filter((f) => f.rule === c.rule);
      expect(ofRule.map((f) => f.kind).filter((kind) => kind !== 'alarm')).toEqual([]);
      const alarms = ofRule.filter((f) => f.kind === 'alarm' && f.details['state'] === 'ALARM');
      const raisedBy = alarms.filter((f) => f.events.some((e) => c.matches.has(e.eventID ?? '')));
      expect(raisedBy.length, `no ALARM of ${c.rule} cites its planted events`).toBeGreaterThan(0);
      for (const f of raisedBy) {
        expect(Number(f.details['value'])).toBeGreaterThanOrEqual(Number(f.details['threshold']));
      }
      const wrongly = alarms
        .flatMap((f) => f.events)
        .filter((e) => c.nearMisses.has(e.eventID ?? ''))
        .map((e) => c.nearMisses.get(e.eventID ?? ''));
      expect(wrongly, `near misses in the evidence of an ALARM of ${c.rule}`).toEqual([]);
    },
  );
});
