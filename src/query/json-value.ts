/**
 * DuckDB values → plain JSON values, the way ctlake prints them: timestamps as ISO-8601 in UTC
 * with a `Z`, maps and structs as objects, big integers as numbers while they stay exact.
 */
import {
  DuckDBArrayValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MICROS_PER_SECOND = 1_000_000n;

/** ISO-8601 UTC text of a microsecond epoch instant, with as many fraction digits as it needs. */
export function isoFromMicros(micros: bigint): string {
  const seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  let wholeSeconds = seconds;
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND;
    wholeSeconds -= 1n;
  }
  const base = new Date(Number(wholeSeconds) * 1000).toISOString().slice(0, 19);
  if (fraction === 0n) return `${base}Z`;
  const digits = fraction.toString().padStart(6, '0');
  return `${base}.${fraction % 1000n === 0n ? digits.slice(0, 3) : digits}Z`;
}

export function toJsonValue(value: DuckDBValue): JsonValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
      return value;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    default:
      break;
  }
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return value.isFinite ? isoFromMicros(value.micros) : value.toString();
  }
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue)
    return value.items.map(toJsonValue);
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = toJsonValue(v);
    return out;
  }
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, JsonValue> = {};
    for (const { key, value: v } of value.entries) {
      const k = toJsonValue(key);
      out[typeof k === 'string' ? k : JSON.stringify(k)] = toJsonValue(v);
    }
    return out;
  }
  return value.toString();
}

/** One-line text of a value for table and CSV cells; nested values as compact JSON. */
export function toCellText(value: DuckDBValue): string | null {
  const json = toJsonValue(value);
  if (json === null) return null;
  return typeof json === 'object' ? JSON.stringify(json) : String(json);
}
