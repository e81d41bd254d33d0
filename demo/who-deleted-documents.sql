-- Seed 002, step 2: who called BatchDeleteDocument in the last day.
SELECT sourceIPAddress, eventTime, userIdentity.principalid
FROM cloudtrail
WHERE eventName = 'BatchDeleteDocument' AND eventTime > now() - INTERVAL 1 DAY
ORDER BY eventTime
