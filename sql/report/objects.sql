-- name: report-objects
-- title: Source objects in the range
-- description: How many source objects (log files) the range's events come from.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT COUNT(DISTINCT sourceObject) AS objects
FROM $EDS_ID
WHERE eventTime >= ${since} AND eventTime < ${until}
