-- name: report-qbusiness-calls-by-api
-- title: Amazon Q Business calls by API
-- description: Amazon Q Business API calls with their errors and callers.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventName, COUNT(*) AS calls,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors,
       COUNT(DISTINCT coalesce(userIdentity.arn, userIdentity.principalid)) AS principals
FROM $EDS_ID
WHERE eventSource = 'qbusiness.amazonaws.com'
  AND eventTime >= ${since} AND eventTime < ${until}
GROUP BY eventName
ORDER BY calls DESC, eventName
