/**
 * What an investigation starts from, recognised from the text a responder pastes: an IAM role
 * ARN (all its sessions), an assumed-role session ARN, an IAM user ARN or name, an access key ID,
 * an IP address, an S3 bucket name or ARN, a Bedrock model ID or ARN, an account ID. A bare name
 * may be a user or a bucket: the lake decides (investigate.ts), or `--kind`.
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

export const ENTITY_KINDS = [
  'role',
  'session',
  'user',
  'access-key',
  'ip',
  'bucket',
  'model',
  'account',
] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export interface Entity {
  readonly kind: EntityKind;
  /** As the lake spells it: the ARN, key, address, bucket name, model ID or account ID. */
  readonly id: string;
}

/** A bare name the text alone cannot place: a user name or a bucket name. */
export interface AmbiguousEntity {
  readonly candidates: readonly EntityKind[];
  readonly id: string;
}

const ACCOUNT = /^\d{12}$/;
const ACCESS_KEY = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SESSION_ARN = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+$/;
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/[\w+=,.@/-]+$/;
const BUCKET_ARN = /^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;
const MODEL_ARN =
  /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:(?:foundation-model|inference-profile|provisioned-model|custom-model)\/(.+)$/;
/** Bedrock model IDs are `provider.model[:version]`, inference profiles `geo.provider.model…`. */
const MODEL_ID =
  /^(?:(?:us|eu|apac|us-gov|global)\.)?(?:amazon|anthropic|ai21|cohere|meta|mistral|stability|deepseek|writer|luma|twelvelabs|openai|qwen)\.[\w.:-]+$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

/** The entity `text` names, or the kinds a bare name may be; a malformed ARN or key is a usage error. */
export function recogniseEntity(text: string, kind?: EntityKind): Entity | AmbiguousEntity {
  const id = text.trim();
  if (id === '')
    throw new UsageError(
      'give the entity to investigate (an ARN, key, IP, bucket, model or account)',
    );
  if (kind !== undefined)
    return { kind, id: kind === 'bucket' ? (BUCKET_ARN.exec(id)?.[1] ?? id) : id };
  if (ACCOUNT.test(id)) return { kind: 'account', id };
  if (ACCESS_KEY.test(id)) return { kind: 'access-key', id };
  if (isIP(id) !== 0) return { kind: 'ip', id };
  if (id.startsWith('arn:')) {
    if (ROLE_ARN.test(id)) return { kind: 'role', id };
    if (SESSION_ARN.test(id)) return { kind: 'session', id };
    if (USER_ARN.test(id)) return { kind: 'user', id };
    const bucket = BUCKET_ARN.exec(id);
    if (bucket?.[1]) return { kind: 'bucket', id: bucket[1] };
    if (MODEL_ARN.test(id)) return { kind: 'model', id };
    throw new UsageError(
      `${id}: not an ARN ctlake investigates (a role, assumed-role session, user, S3 bucket or Bedrock model ARN)`,
    );
  }
  if (/^(AKIA|ASIA)/.test(id) && /^[A-Z0-9]+$/.test(id)) {
    throw new UsageError(
      `${id}: not an access key ID (AKIA or ASIA and 16 more letters or digits)`,
    );
  }
  if (MODEL_ID.test(id)) return { kind: 'model', id };
  const candidates: EntityKind[] = [];
  if (USER_NAME.test(id)) candidates.push('user');
  if (BUCKET_NAME.test(id)) candidates.push('bucket');
  if (candidates.length === 0) {
    throw new UsageError(
      `${id}: not an entity ctlake recognises (an ARN, access key ID, IP address, bucket, model ID, account ID or user name; --kind says which)`,
    );
  }
  if (candidates.length === 1 && candidates[0]) return { kind: candidates[0], id };
  return { candidates, id };
}

export function isEntity(value: Entity | AmbiguousEntity): value is Entity {
  return 'kind' in value;
}
