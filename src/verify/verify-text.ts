/**
 * A verification as text: a summary in the words of `aws cloudtrail validate-logs` (`Results
 * requested for …`, `N/N digest files valid`), then one line per problem naming the file and the
 * reason. Keys and reasons come from the archive: every line is shown inert.
 */
import { terminalSafe } from '../text/terminal-safe.js';
import type { MissingRange } from './chains.js';
import type { ArchiveVerification } from './verify-archive.js';
import type { LakeVerification } from './verify-lake.js';
import type { Verification } from './verify.js';

function ratio(valid: number, bad: number, name: string): string {
  const total = valid + bad;
  return bad === 0
    ? `${String(valid)}/${String(total)} ${name} valid`
    : `${String(valid)}/${String(total)} ${name} valid, ${String(bad)}/${String(total)} ${name} INVALID`;
}

function rangeText(r: MissingRange): string {
  return `account ${r.account}, region ${r.region}, trail ${r.trail}${r.backfill ? ' (backfill)' : ''}, ${r.from} to ${r.to}`;
}

function archiveLines(a: ArchiveVerification): string[] {
  const digestCount = a.digests.valid + a.digests.invalid.length;
  const lines = [
    a.requested.from === undefined && a.requested.to === undefined
      ? 'Results requested for the whole archive'
      : `Results requested for ${a.requested.from ?? 'the start'} to ${a.requested.to ?? 'the end'}`,
  ];
  if (digestCount === 0 && a.digests.missing.length === 0) {
    const logs = a.logFiles.notCovered.length;
    lines.push(
      `No digest files found in range: ${String(logs)} log file${logs === 1 ? '' : 's'} cannot be verified (is log file validation enabled on the trail, and were the CloudTrail-Digest folders copied?)`,
    );
    return lines;
  }
  lines.push(
    a.found
      ? `Results found for ${a.found.from} to ${a.found.to}:`
      : 'No valid digests found in range:',
    '',
    ratio(a.digests.valid, a.digests.invalid.length, 'digest files'),
    ratio(a.logFiles.valid, a.logFiles.invalid.length + a.logFiles.missing.length, 'log files'),
  );
  const missingDigests = a.digests.missing.reduce((n, r) => n + r.digests, 0);
  if (missingDigests > 0) {
    lines.push(
      `${String(missingDigests)} digest files MISSING in ${String(a.digests.missing.length)} ranges`,
    );
  }
  if (a.logFiles.notCovered.length > 0) {
    lines.push(`${String(a.logFiles.notCovered.length)} log files NOT COVERED by any valid digest`);
  }
  lines.push('');
  for (const p of a.digests.invalid) lines.push(`digest ${p.key}: INVALID: ${p.reason}`);
  for (const r of a.digests.missing) {
    lines.push(
      `digests MISSING: ${rangeText(r)}: about ${String(r.digests)} hourly digest${r.digests === 1 ? '' : 's'}${r.nextDigest === undefined ? '' : ` (the digest after them, ${r.nextDigest}, names the last)`}`,
    );
  }
  for (const p of a.logFiles.invalid) lines.push(`log file ${p.key}: INVALID: ${p.reason}`);
  for (const m of a.logFiles.missing)
    lines.push(`log file ${m.key}: MISSING (listed by ${m.digest})`);
  for (const key of a.logFiles.notCovered)
    lines.push(`log file ${key}: NOT COVERED by any valid digest`);
  for (const g of a.gaps) {
    lines.push(
      `gap (not an error): ${rangeText(g)}: no digests, the chain restarts${g.nextDigest === undefined ? '' : ` at ${g.nextDigest}`} (logging or log file validation was off)`,
    );
  }
  return lines;
}

function lakeLines(l: LakeVerification): string[] {
  const partCount =
    l.parts.valid + l.parts.unrecorded + l.parts.changed.length + l.parts.missing.length;
  const lines = [
    `lake ${l.lake}: ${String(l.parts.valid)}/${String(partCount)} parts unchanged since they were committed${l.parts.unrecorded > 0 ? ` (${String(l.parts.unrecorded)} from before part hashes were recorded, not checked)` : ''}; ${String(l.objects.total - l.objects.affected.length)}/${String(l.objects.total)} objects have all their rows`,
  ];
  for (const p of l.parts.changed) lines.push(`lake part ${p.part}: CHANGED: ${p.reason}`);
  for (const p of l.parts.missing) lines.push(`lake part ${p}: MISSING from events/`);
  for (const p of l.parts.stray)
    lines.push(`lake part ${p}: STRAY: not in the catalog (queries do not read it)`);
  for (const o of l.objects.affected) {
    lines.push(
      `lake object ${o.uri}: ${String(o.events)} events ingested, ${String(o.rowsPresent)} rows in intact parts`,
    );
  }
  return lines;
}

export function verificationText(v: Verification): string {
  const lines = [
    ...(v.archive ? archiveLines(v.archive) : []),
    ...(v.lake ? lakeLines(v.lake) : []),
  ];
  while (lines[lines.length - 1] === '') lines.pop();
  return lines.map(terminalSafe).join('\n') + '\n';
}

/** The JSON form: the archive's report at the top level (the documented contract), the lake's under `lake`. */
export function verificationJson(v: Verification): string {
  return (
    JSON.stringify(
      { ...(v.archive ?? {}), ...(v.lake ? { lake: v.lake } : {}), ok: v.ok },
      null,
      2,
    ) + '\n'
  );
}
