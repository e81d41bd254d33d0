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
const SECONDS_PER_DAY = 86_400;

/**
 * The proleptic Gregorian (year, month, day) of a day number counted from 1970-01-01 (Howard
 * Hinnant's civil_from_days). JavaScript's Date stops at ±275760 years; DuckDB's timestamps run
 * from 290309 BC to 294247 AD, and a log may carry any of them.
 */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** ISO 8601 year: four digits for 0000–9999, else a sign and six digits (as JavaScript writes). */
function isoYear(year: number): string {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** ISO-8601 UTC text of a microsecond epoch instant, with as many fraction digits as it needs. */
export function isoFromMicros(micros: bigint): string {
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND;
    seconds -= 1n;
  }
  const wholeSeconds = Number(seconds);
  const days = Math.floor(wholeSeconds / SECONDS_PER_DAY);
  const secondOfDay = wholeSeconds - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  const base =
    `${isoYear(year)}-${two(month)}-${two(day)}T` +
    `${two(Math.floor(secondOfDay / 3600))}:${two(Math.floor(secondOfDay / 60) % 60)}:${two(secondOfDay % 60)}`;
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
