-- Seed 002, step 1, pasted from CloudTrail Lake as published: Amazon Q Business calls by API in the last day.
SELECT
    eventName, COUNT(*) AS numberOfCalls
FROM
    <event-data-store-ID>
WHERE
    eventSource='qbusiness.amazonaws.com' AND eventTime > date_add('day', -1, now())
Group
    BY eventName ORDER BY COUNT(*) DESC
