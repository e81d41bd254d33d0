/**
 * The built-in `sigma` pack (SigmaHQ's CloudTrail rules, vendored unchanged) on a real lake: for
 * each of the 57 rules, records derived from its own detection (test/util/sigma-events.ts) are
 * written as CloudTrail writes them to S3, ingested, and `detect()` must compile and run the
 * rule, find its match and not its near miss. The derivation's oracle is the Sigma
 * specification read in JavaScript; the SQL engine under test shares no code with it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { detect } from '../../src/detect/detect.js';
import { ingest } from '../../src/ingest/ingest.js';
import { REPO_ROOT, tempDir } from '../util/cli.js';
import {
  type CtRecord,
  deriveCase,
  loadSigmaRule,
  type SigmaCase,
  sigmaMatches,
  sigmaRuleFiles,
} from '../util/sigma-events.js';

const SIGMA_DIR = path.join(REPO_ROOT, 'rules', 'sigma');

/**
 * Rules the engine may set aside, by id, with the reason it must give. None: every construct the
 * 57 rules use (contains/startswith/re/all/fieldref, null, `1 of x*`, `not`) is in the README.
 */
const EXPECTED_SKIPS: Readonly<Record<string, string>> = {};

type Detected = Awaited<ReturnType<typeof detect>>;

/**
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_
 * <YYYYMMDDTHHMMZ>_<16 characters>.json.gz`: one object per rule, account, region and day, named
 * by the first event's time as CloudTrail names a delivery.
 */
function writeArchive(root: string, cases: readonly SigmaCase[]): number {
  let count = 0;
  for (const c of cases) {
    const groups = new Map<string, CtRecord[]>();
    for (const { record } of [...c.matches, ...c.nearMisses]) {
      const key = [
        String(record['recipientAccountId']),
        String(record['awsRegion']),
        String(record['eventTime']).slice(0, 10),
      ].join('/');
      groups.set(key, [...(groups.get(key) ?? []), record]);
    }
    for (const [key, records] of groups) {
      const [account = '', region = '', day = ''] = key.split('/');
      const [year = '', month = '', date = ''] = day.split('-');
      const time = records[0]?.['eventTime'];
      const stamp = (typeof time === 'string' ? time : '').slice(0, 16).replace(/[-:]/g, '');
      const random = createHash('sha256').update(`${c.rule.id}/${key}`).digest('hex').slice(0, 16);
      const dir = path.join(root, 'AWSLogs', account, 'CloudTrail', region, year, month, date);
      mkdirSync(dir, { recursive: true });
      const name = `${account}_CloudTrail_${region}_${stamp}Z_${random}.json.gz`;
      writeFileSync(path.join(dir, name), gzipSync(JSON.stringify({ Records: records })));
      count += records.length;
    }
  }
  return count;
}

describe('the sigma pack on a lake', () => {
  const files = sigmaRuleFiles(SIGMA_DIR);
  const cases = files.map((file) => deriveCase(loadSigmaRule(file)));
  const dir = tempDir('sigma-pack');
  const lakeDir = path.join(dir, 'lake');
  let result: Detected | undefined;

  beforeAll(async () => {
    const archive = path.join(dir, 'archive');
    const written = writeArchive(archive, cases);
    const summary = await ingest({ sources: [archive], lakeDir, workers: 1 });
    expect(summary.errors).toBe(0);
    expect(summary.events).toBe(written);
    result = await detect({ lakeDir, packs: ['sigma'] });
  }, 300_000);

  /** The eventIDs of every finding the rule raised. */
  function evidence(id: string): unknown[] {
    return (result?.findings ?? [])
      .filter((f) => f.rule === id)
      .flatMap((f) => f.events.map((e) => e.eventID));
  }

  function skipsOf(c: SigmaCase): Detected['skipped'] {
    const base = path.basename(c.rule.file);
    return (result?.skipped ?? []).filter((s) => s.rule === c.rule.id || s.file.includes(base));
  }

  it('holds the 57 vendored CloudTrail rules, each with a match and a near miss by the oracle', () => {
    expect(files).toHaveLength(57);
    for (const c of cases) {
      expect(sigmaMatches(c.rule, c.match), c.rule.file).toBe(true);
      expect(sigmaMatches(c.rule, c.nearMiss), c.rule.file).toBe(false);
    }
  });

  const rows = cases.map((c) => [path.basename(c.rule.file), c] as const);

  it.each(rows)('%s: compiles, runs, finds its match and not its near miss', (_, c) => {
    const expectedSkip = EXPECTED_SKIPS[c.rule.id];
    if (expectedSkip !== undefined) {
      expect(skipsOf(c).map((s) => s.reason)).toEqual([expectedSkip]);
      return;
    }
    expect(skipsOf(c)).toEqual([]);
    const ids = evidence(c.rule.id);
    expect(ids, `match not found:\n${JSON.stringify(c.match)}`).toContain(c.match['eventID']);
    expect(
      ids,
      `near miss (${c.nearMissNote}) found:\n${JSON.stringify(c.nearMiss)}`,
    ).not.toContain(c.nearMiss['eventID']);
  });

  // Beyond the acceptance criterion: every other way the condition can hold (each listed value,
  // errorCode 'Success' as well as absent, booleans as strings, lists in request parameters), and
  // a near miss per field the rule reads (a filter made to hold, a fieldref made equal).
  it.each(rows)('%s: every derived variant', (_, c) => {
    if (EXPECTED_SKIPS[c.rule.id] !== undefined) return;
    const ids = evidence(c.rule.id);
    for (const { record, note } of c.matches) {
      expect(ids, `match (${note}) not found:\n${JSON.stringify(record)}`).toContain(
        record['eventID'],
      );
    }
    for (const { record, note } of c.nearMisses) {
      expect(ids, `near miss (${note}) found:\n${JSON.stringify(record)}`).not.toContain(
        record['eventID'],
      );
    }
  });
});
