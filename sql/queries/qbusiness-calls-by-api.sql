-- name: qbusiness-calls-by-api
-- title: Amazon Q Business calls by API
-- description: Data events of Amazon Q Business applications over the last hours, counted by API (seed 002, step 1). A burst of BatchDeleteDocument explains documents vanishing from answers.
-- param: hours INTEGER = 24 -- how many hours back to look
SELECT eventName, COUNT(*) AS numberOfCalls
FROM $EDS_ID
WHERE eventSource = 'qbusiness.amazonaws.com'
  AND eventTime > date_add('hour', -${hours}, now())
GROUP BY eventName
ORDER BY COUNT(*) DESC, eventName
