-- Seed 002, step 1: Amazon Q Business data events by API in the last day.
SELECT eventName, COUNT(*) AS numberOfCalls
FROM cloudtrail
WHERE eventSource = 'qbusiness.amazonaws.com' AND eventTime > now() - INTERVAL 1 DAY
GROUP BY eventName
ORDER BY COUNT(*) DESC
