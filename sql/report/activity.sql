-- name: report-activity
-- title: Events over time
-- description: Events and errors per hour, day or week of the report's range.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
-- param: bucket VARCHAR = day -- hour, day or week
SELECT date_trunc(${bucket}, eventTime) AS bucket, COUNT(*) AS events,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors
FROM $EDS_ID
WHERE eventTime >= ${since} AND eventTime < ${until}
GROUP BY date_trunc(${bucket}, eventTime)
ORDER BY bucket
