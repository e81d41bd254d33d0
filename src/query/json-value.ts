/**
 * DuckDB values → plain JSON values, the way ctlake prints them: timestamps as ISO-8601 in UTC
 * with a `Z`, maps and structs as objects, big integers as numbers while they stay exact.
 */
import {
  DuckDBDecimalValue,
  DuckDBMapType,
  DuckDBMapValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  JsonDuckDBValueConverter,
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

/** A timestamp of any precision as ISO-8601 UTC text; infinities as DuckDB prints them. */
function isoTimestamp(value: DuckDBValue): JsonValue {
  const micros =
    value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue
      ? value.micros
      : value instanceof DuckDBTimestampSecondsValue
        ? value.seconds * MICROS_PER_SECOND
        : value instanceof DuckDBTimestampMillisecondsValue
          ? value.millis * 1000n
          : value instanceof DuckDBTimestampNanosecondsValue
            ? value.nanos / 1000n
            : undefined;
  const finite =
    typeof value === 'object' && value !== null && 'isFinite' in value && value.isFinite;
  return micros !== undefined && finite ? isoFromMicros(micros) : String(value);
}

/** A 64-bit (or wider) integer as a number while it is exact, else as its digits. */
function exactInteger(value: DuckDBValue): JsonValue {
  const big = typeof value === 'bigint' ? value : BigInt(String(value));
  return Number.isSafeInteger(Number(big)) ? Number(big) : big.toString();
}

/** A map as an object of its keys (compact JSON text for a key that is not a string). */
function objectFromMap(
  value: DuckDBValue,
  type: DuckDBType,
  converter: DuckDBValueConverter<JsonValue>,
): JsonValue {
  if (!(value instanceof DuckDBMapValue) || !(type instanceof DuckDBMapType)) return null;
  const out: Record<string, JsonValue> = {};
  for (const entry of value.entries) {
    const key = converter(entry.key, type.keyType, converter);
    out[typeof key === 'string' ? key : JSON.stringify(key)] = converter(
      entry.value,
      type.valueType,
      converter,
    );
  }
  return out;
}

const DECIMAL: DuckDBValueConverter<JsonValue> = (value) =>
  value instanceof DuckDBDecimalValue ? value.toDouble() : null;

/** Where ctlake prints a type differently from `@duckdb/node-api`'s JSON converter. */
const OVERRIDES: Partial<Record<DuckDBTypeId, DuckDBValueConverter<JsonValue>>> = {
  [DuckDBTypeId.TIMESTAMP]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_TZ]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_S]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_MS]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_NS]: isoTimestamp,
  [DuckDBTypeId.BIGINT]: exactInteger,
  [DuckDBTypeId.UBIGINT]: exactInteger,
  [DuckDBTypeId.HUGEINT]: exactInteger,
  [DuckDBTypeId.UHUGEINT]: exactInteger,
  [DuckDBTypeId.DECIMAL]: DECIMAL,
  [DuckDBTypeId.MAP]: objectFromMap,
};

/**
 * DuckDB values → the JSON values ctlake prints: `@duckdb/node-api`'s JSON converter, except
 * timestamps (ISO-8601 UTC with a `Z`, any year), big integers (numbers while exact), decimals
 * (numbers) and maps (objects). Nested values convert through it too.
 */
export const jsonValueConverter: DuckDBValueConverter<JsonValue> = (value, type, converter) => {
  if (value === null) return null;
  const own = OVERRIDES[type.typeId];
  if (own) return own(value, type, converter);
  return JsonDuckDBValueConverter(value, type, converter);
};

/** One-line text of a JSON value for table and CSV cells; nested values as compact JSON. */
export function cellText(value: JsonValue): string | null {
  if (value === null) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
