/**
 * What an object's key (or path) says about it, parsed once: CloudTrail's S3 layout is
 * `[prefix/]AWSLogs/[o-<org>/]<account>/<CloudTrail|CloudTrail-Digest|CloudTrail-Insight>/<region>/YYYY/MM/DD/<file>`.
 * Outside that layout (a flat copy of a bucket, files mailed in a support case), CloudTrail's own
 * file names still carry the account, region and delivery time; other files are logs of unknown
 * account, region and day.
 */
import { isCalendarDay } from '../util/calendar-day.js';

/**
 * Beside a downloaded digest, `<digest>.metadata.json` keeps the S3 metadata that holds its
 * signature (`ctlake download` writes it; `ctlake verify` reads it).
 */
export const SIGNATURE_SIDECAR = '.metadata.json';

/** An AWS account ID: twelve digits. */
export const ACCOUNT_ID = /^\d{12}$/;
/** An AWS region name: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, … */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** `log` and `insight` objects hold events; `digest` objects hold hashes for `verify`. */
export type TrailObjectKind = 'log' | 'insight' | 'digest';

export interface TrailKey {
  readonly kind: TrailObjectKind;
  readonly orgId?: string;
  readonly account?: string;
  readonly region?: string;
  /**
   * The delivery day, `YYYY-MM-DD`: the date prefix's, or outside the layout the day of the
   * delivery time in CloudTrail's file name.
   */
  readonly day?: string;
}

const KIND_BY_FOLDER: Record<string, TrailObjectKind> = {
  CloudTrail: 'log',
  'CloudTrail-Insight': 'insight',
  'CloudTrail-Digest': 'digest',
};

const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const DATE_PART = /^\d{2,4}$/;

/**
 * `<account>_CloudTrail[-Insight]_<region>_<YYYYMMDDTHHmmZ>_<16 characters>.json.gz`, named by
 * when CloudTrail delivered the file:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
const LOG_FILE_NAME =
  /^(\d{12})_(CloudTrail|CloudTrail-Insight)_([a-z0-9-]+)_(\d{8})T(\d{4})Z_[A-Za-z0-9]{16}\.json(?:\.gz)?$/;
/**
 * `<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz`,
 * named by the digest's end time (seconds included, unlike logs):
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
 */
export const DIGEST_FILE_NAME =
  /^(?<account>\d{12})_CloudTrail-Digest_(?<region>[a-z0-9-]+)_(?<trail>[A-Za-z0-9._-]+)_(?<home>[a-z0-9-]+)_(?<date>\d{8})T(?<time>\d{6})Z(?<backfill>_backfill)?\.json(?:\.gz)?$/;
/** HHmm or HHmmss of a real time of day. */
const CLOCK = /^([01]\d|2[0-3])([0-5]\d){1,2}$/;

function kindFromFileName(name: string): TrailObjectKind {
  if (name.includes('_CloudTrail-Digest_')) return 'digest';
  if (name.includes('_CloudTrail-Insight_')) return 'insight';
  return 'log';
}

/** What CloudTrail's file name says, not yet checked beyond its shape. */
interface FileNameParts {
  readonly kind: TrailObjectKind;
  readonly account: string;
  readonly region: string;
  /** YYYYMMDD */
  readonly date: string;
  /** HHmm or HHmmss */
  readonly time: string;
}

function fileNameParts(name: string): FileNameParts | undefined {
  const log = LOG_FILE_NAME.exec(name);
  if (log) {
    const [, account = '', folder = '', region = '', date = '', time = ''] = log;
    return { kind: folder === 'CloudTrail' ? 'log' : 'insight', account, region, date, time };
  }
  const digest = DIGEST_FILE_NAME.exec(name)?.groups;
  if (digest) {
    const { account = '', region = '', home = '', date = '', time = '' } = digest;
    return REGION_NAME.test(home) ? { kind: 'digest', account, region, date, time } : undefined;
  }
  return undefined;
}

/**
 * Account, region and day from CloudTrail's file name. Every part is checked (region pattern,
 * a date that exists, a time of day), because a wrong guess would skip the file under
 * `--since/--until/--account/--region`, while no guess only reads it.
 */
function keyFromFileName(fileName: string): TrailKey | undefined {
  // A digest's signature sidecar goes with its digest.
  const name = fileName.endsWith(SIGNATURE_SIDECAR)
    ? fileName.slice(0, -SIGNATURE_SIDECAR.length)
    : fileName;
  const parts = fileNameParts(name);
  if (parts === undefined) return undefined;
  const { kind, account, region, date, time } = parts;
  const day = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
  if (!REGION_NAME.test(region) || !isCalendarDay(day) || !CLOCK.test(time)) return undefined;
  return { kind, account, region, day };
}

function keyFromLayout(parts: readonly string[]): TrailKey | undefined {
  const at = parts.lastIndexOf('AWSLogs');
  if (at < 0) return undefined;
  let i = at + 1;
  const orgId = ORG_ID.test(parts[i] ?? '') ? parts[i++] : undefined;
  const account = parts[i];
  const folderKind = KIND_BY_FOLDER[parts[i + 1] ?? ''];
  if (account === undefined || folderKind === undefined) return undefined;
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

/**
 * Parses a `/`-separated key or path; never throws. The layout wins over the file name: it is
 * where CloudTrail put the object, and a layout without a day is taken as it is.
 */
export function parseTrailKey(key: string): TrailKey {
  const parts = key.split(/[\\/]/);
  const fileName = parts[parts.length - 1] ?? '';
  return keyFromLayout(parts) ?? keyFromFileName(fileName) ?? { kind: kindFromFileName(fileName) };
}
