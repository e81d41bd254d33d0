/**
 * The named query pack: `sql/queries/*.sql`, Trino-dialect queries (they run in CloudTrail Lake
 * and Athena too, once `${name}` parameters are filled in) with a comment header:
 *
 *   -- name: qbusiness-calls-by-api
 *   -- title: Amazon Q Business API calls
 *   -- description: …
 *   -- param: hours INTEGER = 24 -- how many hours back to look
 *
 * Parameter values are typed by the header and bound by DuckDB, never spliced into the SQL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBType,
  type DuckDBValue,
  INTEGER,
  VARCHAR,
} from '@duckdb/node-api';
import { CtlakeError, UsageError } from '../errors.js';
import { packagePath } from '../util/package-files.js';
import { isCalendarDay } from '../util/calendar-day.js';

export const PARAMETER_TYPES = [
  'VARCHAR',
  'INTEGER',
  'BIGINT',
  'DOUBLE',
  'BOOLEAN',
  'TIMESTAMP',
] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface QueryParameter {
  readonly name: string;
  readonly type: ParameterType;
  /** Default value as written in the header; undefined when the parameter is required. */
  readonly defaultValue?: string;
  readonly description: string;
}

export interface NamedQuery {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly parameters: readonly QueryParameter[];
  readonly sql: string;
  readonly file: string;
}

/** A named query file whose header is not well formed. */
export class NamedQueryError extends CtlakeError {
  override readonly name = 'NamedQueryError';
  constructor(message: string) {
    super('NAMED_QUERY_INVALID', message);
  }
}

const HEADER_LINE = /^--\s*(name|title|description|param):\s*(.*)$/;
const PARAM = /^([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z]+)(?:\s*=\s*(.*?))?\s*(?:--\s*(.*))?$/;

/** Parses one query file's text. */
export function parseNamedQuery(text: string, file: string): NamedQuery {
  const fields: Record<string, string> = {};
  const parameters: QueryParameter[] = [];
  const lines = text.split('\n');
  let body = 0;
  for (; body < lines.length; body++) {
    const line = (lines[body] ?? '').trim();
    if (line === '') continue;
    const header = HEADER_LINE.exec(line);
    if (!header) {
      if (line.startsWith('--')) continue;
      break;
    }
    const [, key = '', value = ''] = header;
    if (key === 'param') {
      const p = PARAM.exec(value);
      const type = p?.[2]?.toUpperCase();
      if (!p?.[1] || !PARAMETER_TYPES.includes(type as ParameterType)) {
        throw new NamedQueryError(
          `${file}: bad parameter line "${value}" (want: name TYPE [= default] [-- text])`,
        );
      }
      parameters.push({
        name: p[1],
        type: type as ParameterType,
        ...(p[3] !== undefined && p[3] !== ''
          ? { defaultValue: p[3].replace(/^'(.*)'$/, '$1') }
          : {}),
        description: p[4] ?? '',
      });
    } else if (key === 'description' && fields['description'] !== undefined) {
      fields['description'] += ` ${value}`;
    } else {
      fields[key] = value;
    }
  }
  for (const required of ['name', 'title', 'description']) {
    if (!fields[required])
      throw new NamedQueryError(`${file}: the header has no "-- ${required}:" line`);
  }
  return {
    name: fields['name'] ?? '',
    title: fields['title'] ?? '',
    description: fields['description'] ?? '',
    parameters,
    sql: lines.slice(body).join('\n').trim(),
    file,
  };
}

export const QUERY_DIR = packagePath('sql', 'queries');

export function loadNamedQueries(dir = QUERY_DIR): NamedQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseNamedQuery(readFileSync(path.join(dir, f), 'utf8'), f));
}

export function findNamedQuery(name: string, dir = QUERY_DIR): NamedQuery {
  const all = loadNamedQueries(dir);
  const query = all.find((q) => q.name === name);
  if (!query) throw new UsageError(`no named query ${name} (see ctlake queries)`);
  return query;
}

const TYPES: Record<ParameterType, DuckDBType> = {
  VARCHAR,
  INTEGER,
  BIGINT,
  DOUBLE,
  BOOLEAN,
  // Bound as text; DuckDB casts it where it meets a timestamp, and rejects what is not one.
  TIMESTAMP: VARCHAR,
};

/** What DuckDB reads as a TIMESTAMP: a day, a time after a space or `T`, an optional offset. */
const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function isTimestamp(text: string): boolean {
  const day = TIMESTAMP_TEXT.exec(text.trim())?.[1];
  return day !== undefined && isCalendarDay(day);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function coerce(parameter: QueryParameter, text: string): DuckDBValue {
  const bad = (): never => {
    throw new UsageError(`--param ${parameter.name}=${text}: not a valid ${parameter.type}`);
  };
  switch (parameter.type) {
    case 'VARCHAR':
      return text;
    case 'TIMESTAMP':
      return isTimestamp(text) ? text : bad();
    case 'INTEGER':
    case 'BIGINT': {
      if (!/^-?\d+$/.test(text.trim())) bad();
      if (parameter.type === 'BIGINT') return BigInt(text.trim());
      const n = Number(text.trim());
      return n >= INT32_MIN && n <= INT32_MAX ? n : bad();
    }
    case 'DOUBLE': {
      const n = Number(text);
      return Number.isFinite(n) && text.trim() !== '' ? n : bad();
    }
    case 'BOOLEAN': {
      const v = text.trim().toLowerCase();
      if (v !== 'true' && v !== 'false') bad();
      return v === 'true';
    }
    default:
      return parameter.type satisfies never;
  }
}

/** Typed values and types for a named query's parameters: given ones, else defaults. */
export function namedQueryValues(
  query: NamedQuery,
  given: Readonly<Record<string, string>>,
): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const unknown = Object.keys(given).filter((k) => !query.parameters.some((p) => p.name === k));
  if (unknown.length > 0) {
    throw new UsageError(
      `${query.name} has no parameter ${unknown.join(', ')} (it takes: ${query.parameters.map((p) => p.name).join(', ') || 'none'})`,
    );
  }
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const p of query.parameters) {
    const text = given[p.name] ?? p.defaultValue;
    if (text === undefined)
      throw new UsageError(`${query.name} needs --param ${p.name}=<${p.type}>`);
    values[p.name] = coerce(p, text);
    types[p.name] = TYPES[p.type];
  }
  return { values, types };
}
