-- name: report-principals
-- title: Principals by activity
-- description: Every caller in the report's range, the busiest first, with its errors, throttled calls and the services it used.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT coalesce(userIdentity.arn, userIdentity.principalid, userIdentity.invokedby) AS principal,
       COUNT(*) AS events,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors,
       SUM(CASE WHEN errorCode IN ('ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown') THEN 1 ELSE 0 END) AS throttled,
       COUNT(DISTINCT eventSource) AS services
FROM $EDS_ID
WHERE eventTime >= ${since} AND eventTime < ${until}
GROUP BY coalesce(userIdentity.arn, userIdentity.principalid, userIdentity.invokedby)
ORDER BY events DESC, principal
