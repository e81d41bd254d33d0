-- name: report-overview
-- title: Events by account and region
-- description: Every event in the report's range by account and region, with errors, throttled calls and the first and last event times.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT recipientAccountId AS accountId, awsRegion AS region, COUNT(*) AS events,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors,
       SUM(CASE WHEN errorCode IN ('ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown') THEN 1 ELSE 0 END) AS throttled,
       min(eventTime) AS firstEvent, max(eventTime) AS lastEvent
FROM $EDS_ID
WHERE eventTime >= ${since} AND eventTime < ${until}
GROUP BY recipientAccountId, awsRegion
ORDER BY events DESC, accountId, region
