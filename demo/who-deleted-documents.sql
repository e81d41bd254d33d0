-- Seed 002, step 2, as published: who called BatchDeleteDocument in the last day.
SELECT
   sourceIPAddress, eventTime, userIdentity.principalid
FROM
    <event-data-store-ID>
WHERE
    eventName='BatchDeleteDocument' AND eventTime > date_add('day', -1, now())
