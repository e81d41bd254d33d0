/**
 * The lake's Parquet parts as another engine sees them. Athena, Trino and Spark do not run here,
 * so a second reader that shares no code with DuckDB (hyparquet, pure JavaScript) reads the
 * footer and every value of a lake built from the vendored real corpus: every column must carry
 * the standard Parquet logical type (Parquet's LogicalTypes.md: a MAP-annotated group around a
 * repeated `key_value` group with a required key, 3-level LIST groups, strings as UTF-8 byte
 * arrays, timestamps as INT64 microseconds), and every row must read back as DuckDB reads it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type SchemaTree,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { beforeAll, describe, expect, it } from 'vitest';
import { readerPath } from '../../src/duckdb/file-path.js';
import {
  ADDED_COLUMNS,
  type FieldType,
  PARTITION_COLUMN,
  RECORD_FIELDS,
} from '../../src/schema/event-schema.js';
import { ctlake, tempDir, VENDORED_REAL_CORPUS } from '../util/cli.js';

/** A column's type as the schema module states it; the added INTEGER column is an INT32. */
type ColumnType = FieldType | { readonly kind: 'int32' };

const COLUMNS: readonly { readonly name: string; readonly type: ColumnType }[] = [
  ...RECORD_FIELDS,
  ...ADDED_COLUMNS.map(({ name, sqlType }) => ({
    name,
    type: sqlType === 'INTEGER' ? ({ kind: 'int32' } as const) : ({ kind: 'string' } as const),
  })),
];

/**
 * What is not standard about the column `node` of type `type`, one line per problem, named by
 * its path. Timestamps' UTC flag is checked on its own (see below), not here.
 */
function shapeProblems(node: SchemaTree, type: ColumnType): string[] {
  const where = node.path.join('.');
  const { element, children } = node;
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) problems.push(`${where}: ${what} (${JSON.stringify(element)})`);
  };
  switch (type.kind) {
    case 'string':
      check(element.type === 'BYTE_ARRAY', 'a string is not a BYTE_ARRAY');
      check(
        element.logical_type?.type === 'STRING' || element.converted_type === 'UTF8',
        'a string has no STRING/UTF8 annotation',
      );
      break;
    case 'boolean':
      check(element.type === 'BOOLEAN', 'a boolean is not a BOOLEAN');
      break;
    case 'int32':
      check(element.type === 'INT32', 'an INTEGER is not an INT32');
      check(
        (element.logical_type === undefined ||
          (element.logical_type.type === 'INTEGER' &&
            element.logical_type.bitWidth === 32 &&
            element.logical_type.isSigned)) &&
          (element.converted_type === undefined || element.converted_type === 'INT_32'),
        'an INTEGER is annotated other than INT(32, signed)',
      );
      break;
    case 'timestamp': {
      const logical = element.logical_type;
      check(element.type === 'INT64', 'a timestamp is not an INT64');
      check(
        logical?.type === 'TIMESTAMP' && logical.unit === 'MICROS',
        'a timestamp is not annotated TIMESTAMP(MICROS)',
      );
      break;
    }
    case 'map': {
      const [keyValue, ...more] = children;
      check(
        element.logical_type?.type === 'MAP' || element.converted_type === 'MAP',
        'a map is not MAP-annotated',
      );
      check(keyValue !== undefined && more.length === 0, 'a map has not one child');
      if (keyValue === undefined) break;
      const kv = keyValue.element;
      check(
        kv.name === 'key_value' && kv.repetition_type === 'REPEATED' && kv.type === undefined,
        "a map's child is not a repeated group named key_value",
      );
      const [key, value, ...extra] = keyValue.children;
      check(
        key?.element.name === 'key' && key.element.repetition_type === 'REQUIRED',
        "a map's key is not a required field named key",
      );
      check(
        value?.element.name === 'value' && value.element.repetition_type !== 'REPEATED',
        "a map's value is not a field named value",
      );
      check(extra.length === 0, "a map's key_value group has more than key and value");
      if (key) problems.push(...shapeProblems(key, { kind: 'string' }));
      if (value) problems.push(...shapeProblems(value, { kind: 'string' }));
      break;
    }
    case 'list': {
      const [list, ...more] = children;
      check(
        element.logical_type?.type === 'LIST' || element.converted_type === 'LIST',
        'a list is not LIST-annotated',
      );
      check(list !== undefined && more.length === 0, 'a list has not one child');
      if (list === undefined) break;
      check(
        list.element.name === 'list' &&
          list.element.repetition_type === 'REPEATED' &&
          list.element.type === undefined &&
          list.children.length === 1,
        "a list's child is not a repeated group named list with one field (3-level list)",
      );
      const item = list.children[0];
      check(
        item?.element.name === 'element' && item.element.repetition_type !== 'REPEATED',
        "a list's item is not a field named element",
      );
      if (item) problems.push(...shapeProblems(item, type.element));
      break;
    }
    case 'struct': {
      check(
        element.type === undefined &&
          element.logical_type === undefined &&
          element.converted_type === undefined,
        'a struct is not a plain group',
      );
      check(
        JSON.stringify(children.map((c) => c.element.name)) ===
          JSON.stringify(type.fields.map((f) => f.name)),
        "a struct's fields are not the schema's, in its order",
      );
      for (const field of type.fields) {
        const child = children.find((c) => c.element.name === field.name);
        if (child) problems.push(...shapeProblems(child, field.type));
      }
      break;
    }
    default:
      return type satisfies never;
  }
  if (type.kind !== 'map' && type.kind !== 'list' && type.kind !== 'struct') {
    check(children.length === 0, 'a scalar is a group');
  }
  return problems;
}

/** Every timestamp leaf under `node`, with its column path. */
function timestampLeaves(node: SchemaTree, type: ColumnType): SchemaTree[] {
  switch (type.kind) {
    case 'timestamp':
      return [node];
    case 'struct':
      return type.fields.flatMap((field) => {
        const child = node.children.find((c) => c.element.name === field.name);
        return child ? timestampLeaves(child, field.type) : [];
      });
    case 'list': {
      const item = node.children[0]?.children[0];
      return item ? timestampLeaves(item, type.element) : [];
    }
    default:
      return [];
  }
}

/** Both readers' values in one form: maps as objects, timestamps as epoch ms, absent as null. */
function normalized(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'timestamp':
      return value instanceof Date ? value.getTime() : value;
    case 'map':
      // DuckDB's client gives a map as [{ key, value }]; hyparquet as an object.
      return Array.isArray(value)
        ? Object.fromEntries(
            (value as { key: string; value: unknown }[]).map((e) => [e.key, e.value ?? null]),
          )
        : Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, v ?? null]),
          );
    case 'struct': {
      const record = value as Record<string, unknown>;
      return Object.fromEntries(
        type.fields.map((f) => [f.name, normalized(record[f.name], f.type)]),
      );
    }
    case 'list':
      return (value as unknown[]).map((item) => normalized(item, type.element));
    default:
      return value;
  }
}

describe('the lake read by a second Parquet reader (hyparquet)', () => {
  const lake = path.join(tempDir('parquet-compat'), 'lake');
  const eventsDir = path.join(lake, 'events');
  let parts: string[] = [];
  const footers = new Map<string, FileMetaData>();

  beforeAll(async () => {
    const result = await ctlake(['ingest', VENDORED_REAL_CORPUS, '--lake', lake]);
    expect(result.code, result.stderr).toBe(0);
    parts = readdirSync(eventsDir, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.parquet'))
      .sort();
    for (const part of parts) {
      const file = await asyncBufferFromFile(path.join(eventsDir, part));
      footers.set(part, await parquetMetadataAsync(file));
    }
  });

  /** The top-level columns of a part's schema, by name. */
  function columnsOf(part: string): Map<string, SchemaTree> {
    const metadata = footers.get(part);
    if (metadata === undefined) throw new Error(`no footer read for ${part}`);
    return new Map(parquetSchema(metadata).children.map((c) => [c.element.name, c]));
  }

  it('has parts, under event_date= folders, holding the columns of the schema in its order', () => {
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part).toMatch(
        new RegExp(
          `^${PARTITION_COLUMN}=(\\d{4}-\\d\\d-\\d\\d|__HIVE_DEFAULT_PARTITION__)/[^/]+\\.parquet$`,
        ),
      );
      expect([...columnsOf(part).keys()], part).toEqual(COLUMNS.map((c) => c.name));
    }
  });

  it('gives every column its standard Parquet type: maps, 3-level lists, UTF-8 strings, INT64 µs timestamps', () => {
    const problems = parts.flatMap((part) => {
      const columns = columnsOf(part);
      return COLUMNS.flatMap(({ name, type }) => {
        const column = columns.get(name);
        return column ? shapeProblems(column, type).map((p) => `${part}: ${p}`) : [];
      });
    });
    expect(problems).toEqual([]);
  });

  /**
   * Not the standard UTC instant: the schema's timestamps are DuckDB TIMESTAMP (UTC values by
   * construction, transform.ts), which DuckDB writes as TIMESTAMP(isAdjustedToUTC=false, MICROS),
   * Parquet's zone-less "local" timestamp, plus the legacy converted type TIMESTAMP_MICROS (the
   * spec has writers add it to local timestamps for old readers, who take it as UTC). Readers of
   * the logical type see wall-clock times without a zone: Spark maps it to TIMESTAMP_NTZ, not
   * TIMESTAMP; Trino's and Athena's Hive `timestamp` is zone-less too and reads the same digits.
   * DuckDB writes isAdjustedToUTC=true only for TIMESTAMPTZ. Pinned so that a change of either
   * (the schema, DuckDB) is seen and decided, not slipped in.
   */
  it('writes timestamps as INT64 TIMESTAMP(MICROS, isAdjustedToUTC=false) with converted type TIMESTAMP_MICROS', () => {
    const seen = new Set<string>();
    for (const part of parts) {
      const columns = columnsOf(part);
      for (const { name, type } of COLUMNS) {
        const column = columns.get(name);
        for (const leaf of column ? timestampLeaves(column, type) : []) {
          const { element } = leaf;
          seen.add(leaf.path.join('.'));
          expect(
            {
              type: element.type,
              logical: element.logical_type,
              converted: element.converted_type,
            },
            `${part}: ${leaf.path.join('.')}`,
          ).toEqual({
            type: 'INT64',
            logical: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
            converted: 'TIMESTAMP_MICROS',
          });
        }
      }
    }
    expect([...seen].sort()).toEqual([
      'eventTime',
      'userIdentity.sessionContext.attributes.creationDate',
    ]);
  });

  it('reads every row of every column as DuckDB reads it', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let rows = 0;
    const sampled = { eventTime: 0, map: 0, list: 0 };
    try {
      for (const part of parts) {
        const file = path.join(eventsDir, part);
        const metadata = footers.get(part);
        const buffer = await asyncBufferFromFile(file);
        const theirs = await parquetReadObjects({ file: buffer, metadata, compressors });
        // Exact microseconds, which the default parser (a Date) would round to milliseconds.
        const micros = await parquetReadObjects({
          file: buffer,
          metadata,
          compressors,
          columns: ['eventTime'],
          parsers: { timestampFromMicroseconds: (us: bigint) => us },
        });
        const reader = await connection.runAndReadAll(
          `SELECT * EXCLUDE (file_row_number), epoch_us("eventTime") AS "eventTimeMicros"
           FROM read_parquet(${readerPath(file)}, file_row_number = true, hive_partitioning = false)
           ORDER BY file_row_number`,
        );
        const ours = reader.getRowObjectsJS();
        expect(theirs.length, part).toBe(ours.length);
        expect(Number(metadata?.num_rows), part).toBe(ours.length);
        rows += ours.length;
        ours.forEach((row, i) => {
          const other = theirs[i] ?? {};
          const at = `${part} row ${String(i)} (${JSON.stringify(row['eventID'])})`;
          expect(Object.keys(other), at).toEqual(COLUMNS.map((c) => c.name));
          for (const { name, type } of COLUMNS) {
            expect(normalized(other[name], type), `${at}: ${name}`).toEqual(
              normalized(row[name], type),
            );
          }
          expect(micros[i]?.['eventTime'] ?? null, `${at}: eventTime µs`).toBe(
            row['eventTimeMicros'] ?? null,
          );
          if (row['eventTimeMicros'] !== null) sampled.eventTime++;
          if (Object.keys(normalized(row['requestParameters'], { kind: 'map' }) ?? {}).length > 0)
            sampled.map++;
          if (Array.isArray(row['resources']) && row['resources'].length > 0) sampled.list++;
        });
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    expect(rows).toBeGreaterThan(100);
    // The comparison met every kind of value, not only NULLs.
    expect(sampled.eventTime).toBeGreaterThan(100);
    expect(sampled.map).toBeGreaterThan(50);
    expect(sampled.list).toBeGreaterThan(10);
  });
});
