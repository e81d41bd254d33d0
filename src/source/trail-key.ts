/**
 * What an object's key (or path) says about it, parsed once: CloudTrail's S3 layout is
 * `[prefix/]AWSLogs/[o-<org>/]<account>/<CloudTrail|CloudTrail-Digest|CloudTrail-Insight>/<region>/YYYY/MM/DD/<file>`.
 * Files outside that layout are logs of unknown account, region and day.
 */

/**
 * Beside a downloaded digest, `<digest>.metadata.json` keeps the S3 metadata that holds its
 * signature (`ctlake download` writes it; `ctlake verify` reads it).
 */
export const SIGNATURE_SIDECAR = '.metadata.json';

/** `log` and `insight` objects hold events; `digest` objects hold hashes for `verify`. */
export type TrailObjectKind = 'log' | 'insight' | 'digest';

export interface TrailKey {
  readonly kind: TrailObjectKind;
  readonly orgId?: string;
  readonly account?: string;
  readonly region?: string;
  /** The delivery day of the date prefix, `YYYY-MM-DD`. */
  readonly day?: string;
}

const KIND_BY_FOLDER: Record<string, TrailObjectKind> = {
  CloudTrail: 'log',
  'CloudTrail-Insight': 'insight',
  'CloudTrail-Digest': 'digest',
};

const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const DATE_PART = /^\d{2,4}$/;

function kindFromFileName(name: string): TrailObjectKind {
  if (name.includes('_CloudTrail-Digest_')) return 'digest';
  if (name.includes('_CloudTrail-Insight_')) return 'insight';
  return 'log';
}

/** Parses a `/`-separated key or path; never throws. */
export function parseTrailKey(key: string): TrailKey {
  const parts = key.split(/[\\/]/);
  const fileName = parts[parts.length - 1] ?? '';
  const at = parts.lastIndexOf('AWSLogs');
  if (at < 0) return { kind: kindFromFileName(fileName) };
  let i = at + 1;
  const orgId = ORG_ID.test(parts[i] ?? '') ? parts[i++] : undefined;
  const account = parts[i];
  const folderKind = KIND_BY_FOLDER[parts[i + 1] ?? ''];
  if (account === undefined || folderKind === undefined)
    return { kind: kindFromFileName(fileName) };
  const region = parts[i + 2];
  const [y, m, d] = [parts[i + 3], parts[i + 4], parts[i + 5]];
  const hasDay =
    parts.length > i + 6 && [y, m, d].every((p) => p !== undefined && DATE_PART.test(p));
  return {
    kind: folderKind,
    ...(orgId ? { orgId } : {}),
    account,
    ...(region && parts.length > i + 3 ? { region } : {}),
    ...(hasDay ? { day: `${y}-${m}-${d}` } : {}),
  };
}
