/**
 * Which events belong to an entity, as a condition on the `cloudtrail` view with the entity
 * bound as `${entity}` (never spliced into the text).
 */
import type { Entity } from './entity.js';

const PARAM = (name: string): string => `map_extract_value("requestParameters", '${name}')`;

/** The events the entity made (a principal) or that touched it (an IP, key, bucket, model, account). */
export function entityCondition(entity: Entity): string {
  switch (entity.kind) {
    case 'role':
      return `"userIdentity"."sessionContext"."sessionIssuer"."arn" = \${entity}`;
    case 'session':
      return `"userIdentity"."arn" = \${entity}`;
    case 'user':
      return entity.id.startsWith('arn:')
        ? `"userIdentity"."arn" = \${entity}`
        : `("userIdentity"."type" = 'IAMUser' AND "userIdentity"."userName" = \${entity})`;
    case 'access-key':
      return `"userIdentity"."accessKeyId" = \${entity}`;
    case 'ip':
      return `"sourceIPAddress" = \${entity}`;
    case 'bucket':
      return `(${PARAM('bucketName')} = \${entity} OR len(list_filter("resources", r -> r.arn = 'arn:aws:s3:::' || \${entity} OR starts_with(r.arn, 'arn:aws:s3:::' || \${entity} || '/'))) > 0)`;
    case 'model':
      return `(${PARAM('modelId')} = \${entity} OR ends_with(${PARAM('modelId')}, '/' || \${entity}))`;
    case 'account':
      return `("recipientAccountId" = \${entity} OR "userIdentity"."accountId" = \${entity})`;
    default:
      return entity.kind satisfies never;
  }
}

/** The value bound as `${entity}`: a model ARN is matched by the ID after its last `/`. */
export function entityParam(entity: Entity): string {
  if (entity.kind === 'model' && entity.id.startsWith('arn:')) {
    return entity.id.slice(entity.id.lastIndexOf('/') + 1);
  }
  return entity.id;
}

/**
 * Request parameters that name the resource a call acts on (beside `resources[]`), shown as
 * `name:value`; an `…Arn` as it is; a bucket name becomes its ARN so it meets the same bucket in
 * `resources[]`.
 */
export const RESOURCE_PARAMETERS = [
  'bucketName',
  'modelId',
  'roleArn',
  'roleName',
  'userName',
  'policyArn',
  'functionName',
  'knowledgeBaseId',
  'agentId',
  'applicationId',
  'indexId',
  'dataSourceId',
  'guardrailIdentifier',
  'trainingJobName',
  'modelName',
  'endpointName',
  'endpointConfigName',
  'notebookInstanceName',
  'keyId',
  'secretId',
];

/**
 * Per event, the list of resources it names, without repeats. The request parameters are walked
 * once, keeping the named ones (one lookup per name walked the map twenty times: a busy role's
 * resources panel took 1.4× as long).
 */
export const RESOURCES_SQL = `list_distinct(list_concat(
    list_filter(list_transform("resources", r -> r.arn), arn -> arn IS NOT NULL),
    list_transform(
      list_filter(map_entries("requestParameters"), p -> p.key IN (${RESOURCE_PARAMETERS.map((name) => `'${name}'`).join(', ')}) AND p.value IS NOT NULL),
      p -> CASE WHEN p.key = 'bucketName' THEN 'arn:aws:s3:::' || p.value WHEN ends_with(p.key, 'Arn') THEN p.value ELSE p.key || ':' || p.value END)))`;
