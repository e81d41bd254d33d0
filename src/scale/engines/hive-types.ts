/**
 * Hive's DDL spelling, which Athena's CREATE EXTERNAL TABLE and Spark SQL share: lower-case types
 * with angle brackets (`map<string,string>`, `struct<type:string,…>`, `array<…>`), backticked
 * names, and string literals escaped with a backslash (both parsers read `\'` and `\\`).
 */
import type { ColumnType, LakeColumn } from '../engine-dialect.js';

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function backticked(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function hiveString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * A struct field's name: plain, as AWS's own CloudTrail table for Athena spells them
 * (`struct<type:string,…>`), unless it is not a plain identifier.
 */
function fieldName(name: string): string {
  return PLAIN_NAME.test(name) ? name : backticked(name);
}

export function hiveType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'timestamp':
      return 'timestamp';
    case 'integer':
      return 'int';
    case 'map':
      return 'map<string,string>';
    case 'struct':
      return `struct<${type.fields.map((f) => `${fieldName(f.name)}:${hiveType(f.type)}`).join(',')}>`;
    case 'list':
      return `array<${hiveType(type.element)}>`;
    default:
      return type satisfies never;
  }
}

/** The qualified table name, each part backticked. */
export function hiveTableName(name: readonly string[]): string {
  return name.map(backticked).join('.');
}

/** The column list of a CREATE TABLE, one column a line. */
export function hiveColumns(columns: readonly LakeColumn[]): string {
  return columns.map((c) => `  ${backticked(c.name)} ${hiveType(c.type)}`).join(',\n');
}
