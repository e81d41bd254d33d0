/**
 * The one definition of the event table. Everything else — the worker's JSON transform, the
 * Parquet schema, the DDL ctlake prints for other engines and the README's schema table — is
 * derived from `EVENT_COLUMNS`, so the contract cannot drift between them.
 *
 * Names and types follow CloudTrail Lake's event data store schema (so pasted Lake queries run)
 * and Athena's CloudTrail table (so the Parquet reads in Athena, Trino and Spark).
 */

/** How a CloudTrail JSON value becomes a column value. */
export type FieldType =
  | { readonly kind: 'string' }
  /** `true`/`false`, also when a producer wrote them as strings ("True"). */
  | { readonly kind: 'boolean' }
  /** A UTC instant, parsed from every form real files carry. */
  | { readonly kind: 'timestamp' }
  /** MAP(VARCHAR, VARCHAR) of the object's top-level keys; nested values are kept as JSON text. */
  | { readonly kind: 'map' }
  | { readonly kind: 'struct'; readonly fields: readonly Field[] }
  | { readonly kind: 'list'; readonly element: FieldType };

export interface Field {
  /** The canonical (CloudTrail) spelling, used as the column or struct field name. */
  readonly name: string;
  readonly type: FieldType;
  /**
   * Other spellings of the same key met in otherwise canonical records (CloudTrail writes `ARN`
   * inside `resources`, other producers `arn`; Elastic's test data `accountid`). The first
   * spelling present wins. Records lower-cased throughout need no alias: the transform's
   * fallback reads them.
   */
  readonly aliases?: readonly string[];
}

const string: FieldType = { kind: 'string' };
const boolean: FieldType = { kind: 'boolean' };
const timestamp: FieldType = { kind: 'timestamp' };
const map: FieldType = { kind: 'map' };
const struct = (...fields: Field[]): FieldType => ({ kind: 'struct', fields });
const f = (name: string, type: FieldType = string, aliases?: readonly string[]): Field =>
  aliases ? { name, type, aliases } : { name, type };

const sessionIssuer = struct(f('type'), f('principalId'), f('arn'), f('accountId'), f('userName'));

const sessionContext = struct(
  f('attributes', struct(f('creationDate', timestamp), f('mfaAuthenticated'))),
  f('sessionIssuer', sessionIssuer),
  f('webIdFederationData', struct(f('federatedProvider'), f('attributes', map))),
  f('sourceIdentity'),
  f('ec2RoleDelivery'),
  f('ec2IssuedInVPC'),
);

const userIdentity = struct(
  f('type'),
  f('principalId'),
  f('arn'),
  f('accountId'),
  f('accessKeyId'),
  f('userName'),
  f('invokedBy'),
  f('identityProvider'),
  f('credentialId'),
  f('sessionContext', sessionContext),
  f('onBehalfOf', struct(f('userId'), f('identityStoreArn'))),
  f(
    'inScopeOf',
    struct(f('sourceArn'), f('sourceAccount'), f('issuerType'), f('credentialsIssuedTo')),
  ),
);

const resource = struct(
  f('accountId', string, ['accountid']),
  f('type'),
  f('arn', string, ['ARN']),
  f('arnPrefix'),
);

const tlsDetails = struct(f('tlsVersion'), f('cipherSuite'), f('clientProvidedHostHeader'));

/** The columns parsed out of each record, in Lake's order. */
export const RECORD_FIELDS: readonly Field[] = [
  f('eventVersion'),
  f('userIdentity', userIdentity),
  f('eventTime', timestamp),
  f('eventSource'),
  f('eventName'),
  f('awsRegion'),
  f('sourceIPAddress'),
  f('userAgent'),
  f('errorCode'),
  f('errorMessage'),
  f('requestParameters', map),
  f('responseElements', map),
  f('additionalEventData', map),
  f('requestID'),
  f('eventID'),
  f('readOnly', boolean),
  f('resources', { kind: 'list', element: resource }),
  f('eventType'),
  f('apiVersion'),
  f('managementEvent', boolean),
  f('recipientAccountId'),
  f('sharedEventID'),
  f('annotation'),
  f('vpcEndpointId'),
  f('vpcEndpointAccountId'),
  f('serviceEventDetails', map),
  f('addendum', map),
  f('edgeDeviceDetails', map),
  f('insightDetails', map),
  f('eventCategory'),
  f('tlsDetails', tlsDetails),
  f('sessionCredentialFromConsole'),
];

/** Columns ctlake adds to every row: the record itself and where it came from. */
export const ADDED_COLUMNS = [
  {
    name: 'eventJson',
    sqlType: 'VARCHAR',
    doc: 'the original record, JSON-equal to the input (unknown fields included)',
  },
  {
    name: 'eventJsonChecksum',
    sqlType: 'VARCHAR',
    doc: 'SHA-256 (hex) of the record bytes as read from the source object',
  },
  {
    name: 'sourceObject',
    sqlType: 'VARCHAR',
    doc: 'the file path or s3:// URI the record came from',
  },
  {
    name: 'recordIndex',
    sqlType: 'INTEGER',
    doc: 'the record position in its Records array (from 0)',
  },
] as const;

/** The Hive partition key of the Parquet layout: the UTC day of eventTime. */
export const PARTITION_COLUMN = 'event_date';

/**
 * The name the event table goes by: ctlake's view, what a pasted Lake query's `FROM <event data
 * store ID>` becomes, and the table `ctlake ddl` creates in other engines by default.
 */
export const EVENT_TABLE_NAME = 'cloudtrail';
