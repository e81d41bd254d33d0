-- Trino / CloudTrail Lake functions that DuckDB lacks under the same name and semantics.
-- The query translator renames calls to these (src/query/dialect/trino-functions.ts).

-- date_add(unit, value, timestamp): Trino's argument order and unit names.
CREATE OR REPLACE TEMP MACRO ct_date_add(unit, n, ts) AS CASE lower(unit)
  WHEN 'millisecond' THEN ts + to_milliseconds(CAST(n AS DOUBLE))
  WHEN 'second' THEN ts + to_seconds(CAST(n AS DOUBLE))
  WHEN 'minute' THEN ts + to_minutes(CAST(n AS BIGINT))
  WHEN 'hour' THEN ts + to_hours(CAST(n AS BIGINT))
  WHEN 'day' THEN ts + to_days(CAST(n AS INTEGER))
  WHEN 'week' THEN ts + to_weeks(CAST(n AS INTEGER))
  WHEN 'month' THEN ts + to_months(CAST(n AS INTEGER))
  WHEN 'quarter' THEN ts + to_months(CAST(3 * n AS INTEGER))
  WHEN 'year' THEN ts + to_years(CAST(n AS INTEGER))
  ELSE error('date_add: unknown unit ''' || unit || '''')
END;

-- json_extract_scalar: the value as text when it is a scalar, NULL for objects and arrays.
CREATE OR REPLACE TEMP MACRO ct_json_extract_scalar(j, p) AS CASE
  WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL
  ELSE json_extract_string(j, p)
END;

-- json_array_get(array, index): 0-based, negative counts from the end.
CREATE OR REPLACE TEMP MACRO ct_json_array_get(j, i) AS
  json_extract(j, '$[' || CASE WHEN i < 0 THEN '#' ELSE '' END || CAST(i AS VARCHAR) || ']');

CREATE OR REPLACE TEMP MACRO ct_from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ);
CREATE OR REPLACE TEMP MACRO ct_from_iso8601_date(s) AS CAST(s AS DATE);
-- Lake times are UTC; the session time zone is UTC, so the cast keeps the instant.
CREATE OR REPLACE TEMP MACRO ct_to_iso8601(t) AS strftime(CAST(t AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%gZ');
CREATE OR REPLACE TEMP MACRO ct_json_format(j) AS CAST(json(j) AS VARCHAR);

-- now() / current_timestamp as a UTC TIMESTAMP, eventTime's type (src/query/dialect/current-time.ts).
CREATE OR REPLACE TEMP MACRO ct_now() AS CAST(now() AS TIMESTAMP);
