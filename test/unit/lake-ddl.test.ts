import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { lakeDdl, lakeColumns } from '../../src/scale/ddl.js';
import { eventTableColumns } from '../../src/schema/transform.js';

const S3 = 's3://audit-bucket/lake';

/** The column lines of a CREATE TABLE: `name type`, one a line, in order. */
function columnLines(ddl: string): string[] {
  return ddl
    .split('\n')
    .filter((line) => /^ {2}["`]/.test(line))
    .map((line) => line.trim().replace(/,$/, ''));
}

describe('ctlake ddl: the table', () => {
  it('has every column of the event table, in the schema order', () => {
    expect(lakeColumns().map((c) => c.name)).toEqual(eventTableColumns().map((c) => c.name));
  });

  it.each([
    ['trino', '"'],
    ['spark', '`'],
    ['athena', '`'],
  ] as const)('%s: the columns, then event_date as the partition', (engine, quote) => {
    const names = columnLines(lakeDdl({ engine, location: S3 })).map(
      (line) => line.split(' ', 1)[0] ?? '',
    );
    const expected = eventTableColumns().map((c) => `${quote}${c.name}${quote}`);
    // Hive's DDL (Athena) declares the partition column apart from the others.
    expect(names).toEqual(
      engine === 'athena' ? expected : [...expected, `${quote}event_date${quote}`],
    );
  });

  it('spells the types as Trino does', () => {
    const lines = columnLines(lakeDdl({ engine: 'trino', location: S3 }));
    expect(lines).toContain('"eventTime" TIMESTAMP(6)');
    expect(lines).toContain('"readOnly" BOOLEAN');
    expect(lines).toContain('"requestParameters" MAP(VARCHAR, VARCHAR)');
    expect(lines).toContain(
      '"resources" ARRAY(ROW("accountId" VARCHAR, "type" VARCHAR, "arn" VARCHAR, "arnPrefix" VARCHAR))',
    );
    expect(lines).toContain(
      '"tlsDetails" ROW("tlsVersion" VARCHAR, "cipherSuite" VARCHAR, "clientProvidedHostHeader" VARCHAR)',
    );
    expect(lines).toContain('"recordIndex" INTEGER');
    expect(lines.at(-1)).toBe('"event_date" VARCHAR');
    const identity = lines.find((line) => line.startsWith('"userIdentity"')) ?? '';
    expect(identity).toContain(
      '"sessionContext" ROW("attributes" ROW("creationDate" TIMESTAMP(6), "mfaAuthenticated" VARCHAR)',
    );
    expect(identity).toContain(
      '"webIdFederationData" ROW("federatedProvider" VARCHAR, "attributes" MAP(VARCHAR, VARCHAR))',
    );
  });

  it.each(['athena', 'spark'] as const)('spells the types as Hive does for %s', (engine) => {
    const lines = columnLines(lakeDdl({ engine, location: S3 }));
    expect(lines).toContain('`eventTime` timestamp');
    expect(lines).toContain('`readOnly` boolean');
    expect(lines).toContain('`requestParameters` map<string,string>');
    expect(lines).toContain(
      '`resources` array<struct<accountId:string,type:string,arn:string,arnPrefix:string>>',
    );
    expect(lines).toContain('`recordIndex` int');
    const identity = lines.find((line) => line.startsWith('`userIdentity`')) ?? '';
    expect(identity).toContain(
      'sessionContext:struct<attributes:struct<creationDate:timestamp,mfaAuthenticated:string>',
    );
  });
});

describe('ctlake ddl: each engine', () => {
  it('athena: an external Parquet table with partition projection on event_date', () => {
    const ddl = lakeDdl({ engine: 'athena', location: `${S3}/` });
    expect(ddl).toMatch(/^CREATE EXTERNAL TABLE `cloudtrail` \(\n/);
    expect(ddl).toContain(
      `)
PARTITIONED BY (\`event_date\` string)
STORED AS PARQUET
LOCATION 's3://audit-bucket/lake/events/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2013-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://audit-bucket/lake/events/event_date=\${event_date}/'
);
`,
    );
    expect(ddl).not.toContain('--');
  });

  it('trino: a Hive connector table, and the call that registers the days', () => {
    const ddl = lakeDdl({ engine: 'trino', location: S3, table: 'hive.audit.cloudtrail' });
    expect(ddl).toContain('CREATE TABLE "hive"."audit"."cloudtrail" (\n');
    expect(ddl).toContain(`)
WITH (
  format = 'PARQUET',
  external_location = 's3://audit-bucket/lake/events',
  partitioned_by = ARRAY['event_date']
);
`);
    expect(ddl).toContain(
      `\nCALL "hive".system.sync_partition_metadata(schema_name => 'audit', table_name => 'cloudtrail', mode => 'FULL');\n`,
    );
    expect(ddl).toContain('hive.timestamp-precision=MICROSECONDS');
  });

  it('trino: without a schema in the name, the call is shown to be completed', () => {
    const ddl = lakeDdl({ engine: 'trino', location: S3 });
    expect(ddl).toContain(
      `\n-- CALL system.sync_partition_metadata(schema_name => '<schema>', table_name => 'cloudtrail', mode => 'FULL');\n`,
    );
    expect(ddl).not.toMatch(/^CALL/m);
  });

  it('spark: a Parquet data source table, then MSCK REPAIR TABLE', () => {
    const ddl = lakeDdl({
      engine: 'spark',
      location: 's3a://audit-bucket/lake',
      table: 'audit.ct',
    });
    expect(ddl).toMatch(/^CREATE TABLE `audit`\.`ct` \(\n/);
    expect(ddl).toContain(`)
USING PARQUET
PARTITIONED BY (\`event_date\`)
LOCATION 's3a://audit-bucket/lake/events';
`);
    expect(ddl).toMatch(/\nMSCK REPAIR TABLE `audit`\.`ct`;\n$/);
  });

  it('duckdb: a view over the parts of the local lake', () => {
    const events = path.resolve('some lake', 'events');
    const ddl = lakeDdl({ engine: 'duckdb', lakeDir: 'some lake' });
    expect(ddl).toMatch(/^CREATE OR REPLACE VIEW "cloudtrail" AS\nSELECT "eventVersion", /);
    expect(ddl).toContain(
      `, "recordIndex", "event_date"\nFROM read_parquet('${events}/event_date=*/*.parquet', hive_partitioning = true, hive_types = {'event_date': 'VARCHAR'});\n`,
    );
  });

  it('duckdb: glob characters of the lake path are read literally', () => {
    const ddl = lakeDdl({ engine: 'duckdb', lakeDir: '/cases/Incident [2024]' });
    expect(ddl).toContain(`'/cases/Incident [[]2024]/events/event_date=*/*.parquet'`);
  });

  it('duckdb: a copy on S3, with what reading it needs', () => {
    const ddl = lakeDdl({ engine: 'duckdb', location: S3 });
    expect(ddl).toMatch(/^-- Reading S3 needs httpfs/);
    expect(ddl).toContain(`read_parquet('s3://audit-bucket/lake/events/event_date=*/*.parquet'`);
  });

  it.each(['trino', 'spark'] as const)('%s: the local lake as a file URI', (engine) => {
    const ddl = lakeDdl({ engine, lakeDir: 'lake dir' });
    const uri = pathToFileURL(path.resolve('lake dir', 'events')).href;
    expect(uri).toContain('%20');
    expect(ddl).toContain(`'${uri}'`);
  });

  it('quotes a location in each engine’s string syntax', () => {
    const location = "s3://bucket/o'brien\\x";
    expect(lakeDdl({ engine: 'trino', location })).toContain(
      `external_location = 's3://bucket/o''brien\\x/events'`,
    );
    expect(lakeDdl({ engine: 'athena', location })).toContain(
      `LOCATION 's3://bucket/o\\'brien\\\\x/events/'`,
    );
    expect(lakeDdl({ engine: 'duckdb', location })).toContain(
      `'s3://bucket/o''brien\\x/events/event_date=*/*.parquet'`,
    );
  });
});

describe('ctlake ddl: usage errors', () => {
  it.each([
    [
      { engine: 'athena' },
      'athena reads S3 only: give --location s3://bucket/prefix, where the lake is copied',
    ],
    [
      { engine: 'athena', location: 'gs://bucket/lake' },
      '--location gs://bucket/lake: athena reads S3 only (s3://bucket/prefix)',
    ],
    [
      { engine: 'trino', location: 'bucket/lake' },
      "--location bucket/lake: expected a URI such as s3://bucket/prefix (the folder holding the lake's events/)",
    ],
    [
      { engine: 'athena', location: S3, table: 'awsdatacatalog.audit.cloudtrail' },
      '--table awsdatacatalog.audit.cloudtrail: expected a name such as cloudtrail or audit.cloudtrail (letters, digits and _, at most 2 parts for athena)',
    ],
    [
      { engine: 'duckdb', table: 'cloud-trail' },
      '--table cloud-trail: expected a name such as cloudtrail or audit.cloudtrail (letters, digits and _, at most 3 parts for duckdb)',
    ],
    [{ engine: 'oracle' }, '--engine oracle: expected one of athena, trino, spark, duckdb'],
  ])('%j', (options, message) => {
    const run = (): string => lakeDdl(options as Parameters<typeof lakeDdl>[0]);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });
});
