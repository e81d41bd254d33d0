import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTACKER_IP, SEED_003_REGION, STOLEN_KEY_IP } from '../../fixtures/generator/scenario.js';
import { generateArchive } from '../../fixtures/generator/archive.js';
import { loadNamedQueries } from '../../src/query/named-queries.js';
import { ctlake, tempDir } from '../util/cli.js';
import { at, eventMs, type Rec, readRecords } from '../util/oracle.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('the named query pack on a generated scenario lake', () => {
  const dir = tempDir('named');
  const archive = path.join(dir, 'archive');
  const lake = path.join(dir, 'lake');
  let records: Rec[] = [];

  beforeAll(async () => {
    await generateArchive({ outDir: archive, events: 20_000, seed: 33, end: new Date(), days: 3 });
    expect((await ctlake(['ingest', archive, '--lake', lake, '--quiet'])).code).toBe(0);
    records = readRecords(archive);
  }, 300_000);

  const run = async (name: string, ...params: string[]): Promise<Record<string, unknown>[]> => {
    const result = await ctlake([
      'query',
      '--lake',
      lake,
      '--format',
      'json',
      '--name',
      name,
      ...params.flatMap((p) => ['--param', p]),
    ]);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as Record<string, unknown>[];
  };
  const named = (name: string, since = -Infinity): Rec[] =>
    records
      .filter((r) => r['eventName'] === name && eventMs(r) > since)
      .sort((a, b) => eventMs(a) - eventMs(b));
  const recent = (r: Rec, ms: number): boolean => eventMs(r) > Date.now() - ms;

  it('lists every query with its parameters', async () => {
    const result = await ctlake(['queries']);
    const pack = loadNamedQueries();
    expect(pack).toHaveLength(16);
    for (const q of pack) expect(result.stdout).toContain(q.name);
    expect(result.stdout).toContain('qbusiness-calls-by-api [hours=24]');
  });

  it('qbusiness-calls-by-api', async () => {
    const expected = new Map<string, number>();
    for (const r of records.filter(
      (x) => x['eventSource'] === 'qbusiness.amazonaws.com' && recent(x, DAY),
    )) {
      expected.set(String(r['eventName']), (expected.get(String(r['eventName'])) ?? 0) + 1);
    }
    const rows = await run('qbusiness-calls-by-api');
    expect(new Map(rows.map((r) => [String(r['eventName']), r['numberOfCalls']]))).toEqual(
      expected,
    );
    const wider = await run('qbusiness-calls-by-api', 'hours=72');
    expect(wider.find((r) => r['eventName'] === 'BatchDeleteDocument')?.['numberOfCalls']).toBe(9);
  });

  it('qbusiness-document-deletions', async () => {
    const rows = await run('qbusiness-document-deletions');
    const expected = named('BatchDeleteDocument').filter((r) => recent(r, DAY));
    expect(rows.map((r) => [r['principalId'], r['sourceIPAddress']])).toEqual(
      expected.map((r) => [at(r, 'userIdentity', 'principalId'), r['sourceIPAddress']]),
    );
  });

  it('qbusiness-sync-jobs', async () => {
    const rows = await run('qbusiness-sync-jobs');
    expect(rows).toHaveLength(1);
    expect(String(rows[0]?.['user'])).toMatch(/:user\/guru-admin$/);
    expect(rows[0]).toMatchObject({
      dataSourceId: 'ds-s3-0001',
      indexId: 'idx-0001',
    });
  });

  it('s3-object-deletions, with a bucket pattern and a time', async () => {
    const all = await run('s3-object-deletions');
    expect(all.map((r) => r['objectKey'])).toEqual(
      named('DeleteObject').map((r) => at(r, 'requestParameters', 'key')),
    );
    const qbiz = await run(
      's3-object-deletions',
      'bucket=qbiz-datasource-%',
      'since=2024-05-09 00:00:00',
    );
    expect(qbiz.map((r) => r['objectKey'])).toEqual([
      'policies/hr-handbook-1.pdf',
      'policies/hr-handbook-2.pdf',
      'policies/hr-handbook-3.pdf',
    ]);
    const none = await run(
      's3-object-deletions',
      `since=${new Date(Date.now() + DAY).toISOString().slice(0, 19).replace('T', ' ')}`,
    );
    expect(none).toEqual([]);
  });

  it('qdeveloper-code-analysis-users', async () => {
    const rows = await run('qdeveloper-code-analysis-users');
    expect(rows.map((r) => r['userId'])).toEqual(
      named('StartCodeAnalysis').map((r) => at(r, 'userIdentity', 'onBehalfOf', 'userId')),
    );
  });

  it.each([
    ['bedrock-agent-invocations', ['InvokeAgent']],
    ['bedrock-knowledge-base-queries', ['RetrieveAndGenerate', 'Retrieve']],
  ])('%s', async (name, events) => {
    const rows = await run(name);
    const expected = records.filter((r) => events.includes(String(r['eventName'])));
    expect(rows.map((r) => r['requestParameters'])).toEqual(
      expected
        .sort((a, b) => eventMs(a) - eventMs(b))
        .map((r) =>
          Object.fromEntries(
            Object.entries(r['requestParameters'] as Rec).map(([k, v]) => [
              k,
              typeof v === 'string' ? v : JSON.stringify(v),
            ]),
          ),
        ),
    );
  });

  it('sagemaker-training-stopped-or-models-deleted', async () => {
    const rows = await run('sagemaker-training-stopped-or-models-deleted');
    expect(rows.map((r) => [r['eventName'], r['resourceName']])).toEqual([
      ['StopTrainingJob', 'llm-finetune-101'],
      ['DeleteModel', 'llm-finetune-099-model'],
    ]);
    expect(rows.map((r) => r['principal'])).toEqual(
      [...named('StopTrainingJob'), ...named('DeleteModel')].map((r) =>
        at(r, 'userIdentity', 'arn'),
      ),
    );
  });

  it('sagemaker-notebook-changes', async () => {
    const rows = await run('sagemaker-notebook-changes');
    expect(rows.map((r) => [r['eventName'], r['notebookInstance'], r['instanceType']])).toEqual([
      ['UpdateNotebookInstance', 'research-notebook', 'ml.g5.12xlarge'],
      ['StopNotebookInstance', 'research-notebook', null],
    ]);
  });

  it('sagemaker-role-outside-sagemaker', async () => {
    const rows = await run('sagemaker-role-outside-sagemaker');
    expect(rows.map((r) => [r['eventName'], r['sourceIPAddress'], r['awsRegion']])).toEqual([
      ['ListBuckets', STOLEN_KEY_IP, 'eu-west-1'],
      ['ListUsers', STOLEN_KEY_IP, 'us-east-1'],
      ['RunInstances', STOLEN_KEY_IP, SEED_003_REGION],
    ]);
    const strict = await run('sagemaker-role-outside-sagemaker', 'regions=us-east-1');
    const expected = records.filter(
      (r) =>
        at(r, 'userIdentity', 'sessionContext', 'sessionIssuer', 'userName') ===
          'SageMakerTrainingRole' &&
        (r['sourceIPAddress'] !== 'sagemaker.amazonaws.com' ||
          r['userAgent'] !== 'sagemaker.amazonaws.com' ||
          r['awsRegion'] !== 'us-east-1'),
    );
    expect(strict).toHaveLength(expected.length);
    expect(strict.length).toBeGreaterThan(2);
  });

  it('sagemaker-training-job-starts', async () => {
    const rows = await run('sagemaker-training-job-starts');
    expect(rows.map((r) => [r['trainingJobName'], r['instanceType'], r['instanceCount']])).toEqual([
      ['llm-finetune-100', 'ml.p4d.24xlarge', 2],
      ['llm-finetune-101', 'ml.p4d.24xlarge', 2],
      ['llm-finetune-102', 'ml.p4d.24xlarge', 2],
    ]);
    expect(String(rows[0]?.['trainingData'])).toMatch(
      /^s3:\/\/genai-training-data-\d{12}\/datasets\/2025\/$/,
    );
  });

  it('s3-training-data-access', async () => {
    const rows = await run('s3-training-data-access');
    const reads = records.filter(
      (r) =>
        r['eventName'] === 'GetObject' &&
        String(at(r, 'requestParameters', 'bucketName')).includes('training'),
    );
    const byPrincipal = new Map<string, number>();
    for (const r of reads)
      byPrincipal.set(
        String(at(r, 'userIdentity', 'arn')),
        (byPrincipal.get(String(at(r, 'userIdentity', 'arn'))) ?? 0) + 1,
      );
    expect(new Map(rows.map((r) => [String(r['principal']), r['reads']]))).toEqual(byPrincipal);
    const bytes = reads.reduce(
      (n, r) => n + Number(at(r, 'additionalEventData', 'bytesTransferredOut')),
      0,
    );
    expect(rows.reduce((n, r) => n + Number(r['bytesOut']), 0)).toBe(bytes);
  });

  it('sagemaker-model-deployments', async () => {
    const rows = await run('sagemaker-model-deployments');
    expect(rows.map((r) => [r['eventName'], r['resourceName']])).toEqual([
      ['CreateModel', 'llm-finetune-100-model'],
      ['CreateModel', 'llm-finetune-102-model'],
      ['CreateEndpointConfig', 'chat-llm-config-v2'],
      ['CreateEndpoint', 'chat-llm'],
      ['UpdateEndpoint', 'chat-llm'],
    ]);
  });

  it('bedrock-invocations-by-principal-and-model', async () => {
    const rows = await run('bedrock-invocations-by-principal-and-model', 'days=30');
    const calls = records.filter(
      (r) =>
        r['eventSource'] === 'bedrock.amazonaws.com' &&
        ['InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream'].includes(
          String(r['eventName']),
        ),
    );
    expect(rows.reduce((n, r) => n + Number(r['calls']), 0)).toBe(calls.length);
    expect(rows.reduce((n, r) => n + Number(r['errors']), 0)).toBe(
      calls.filter((r) => r['errorCode'] !== undefined).length,
    );
    const leaked = rows.filter(
      (r) => String(r['principal']).endsWith(':user/dev-ci') && r['errorCodes'] === 'AccessDenied',
    );
    expect(leaked.length).toBeGreaterThan(0);
  });

  it('bedrock-guardrail-and-logging-changes', async () => {
    const rows = await run('bedrock-guardrail-and-logging-changes');
    expect(rows.map((r) => [r['eventName'], r['errorCode']])).toEqual([
      ['PutModelInvocationLoggingConfiguration', null],
      ['CreateGuardrail', null],
      ['UpdateGuardrail', null],
      ['DeleteModelInvocationLoggingConfiguration', null],
      ['DeleteGuardrail', 'AccessDeniedException'],
    ]);
    expect(rows.at(-1)?.['sourceIPAddress']).toBe(ATTACKER_IP);
  });

  it('bedrock-model-access-enumeration flags only the leaked key', async () => {
    const rows = await run('bedrock-model-access-enumeration');
    expect(rows).toHaveLength(1);
    expect(String(rows[0]?.['principal'])).toMatch(/:user\/dev-ci$/);
    expect(rows[0]).toMatchObject({
      sourceIPAddress: ATTACKER_IP,
      availabilityChecks: 6,
      enumerationCalls: 8,
      deniedInvocations: 4,
    });
    expect(await run('bedrock-model-access-enumeration', 'days=7', 'min_denied=100')).toHaveLength(
      1,
    );
  });

  it('refuses unknown and ill-typed parameters in one line', async () => {
    const unknown = await ctlake([
      'query',
      '--lake',
      lake,
      '--name',
      'qbusiness-calls-by-api',
      '--param',
      'hour=3',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'ctlake: qbusiness-calls-by-api has no parameter hour (it takes: hours)\n',
    );
    const badType = await ctlake([
      'query',
      '--lake',
      lake,
      '--name',
      'qbusiness-calls-by-api',
      '--param',
      'hours=24; DROP TABLE x',
    ]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toBe('ctlake: --param hours=24; DROP TABLE x: not a valid INTEGER\n');
    const noSuch = await ctlake(['query', '--lake', lake, '--name', 'nope']);
    expect(noSuch.stderr).toBe('ctlake: no named query nope (see ctlake queries)\n');
  });

  it('writes Parquet and Arrow for pandas and polars users', async () => {
    const parquet = path.join(dir, 'out.parquet');
    const arrow = path.join(dir, 'out.arrow');
    const args = ['query', '--lake', lake, '--name', 'bedrock-agent-invocations'];
    expect((await ctlake([...args, '--format', 'parquet', '--out', parquet])).code).toBe(0);
    expect((await ctlake([...args, '--format', 'arrow', '--out', arrow])).code).toBe(0);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, any_value(resources[1].type) AS t FROM read_parquet('${parquet}')`,
    );
    connection.closeSync();
    instance.closeSync();
    expect(reader.getRowObjectsJS()).toEqual([{ n: 4, t: 'AWS::Bedrock::AgentAlias' }]);
    const table = tableFromIPC(readFileSync(arrow));
    expect(table.numRows).toBe(4);
    const first = table.get(0)?.toJSON() as Record<string, unknown>;
    expect(first['eventName']).toBe('InvokeAgent');
    expect(first['eventTime']).toBe(Date.parse(String(named('InvokeAgent')[0]?.['eventTime'])));
    const missing = await ctlake([...args, '--format', 'parquet']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('ctlake: --format parquet writes binary data: give --out FILE\n');
  });
});
