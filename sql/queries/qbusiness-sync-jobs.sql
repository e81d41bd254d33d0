-- name: qbusiness-sync-jobs
-- title: Amazon Q Business data source sync jobs
-- description: StartDataSourceSyncJob calls over the last hours and who started them (seed 002, step 3); a sync removes index documents whose source objects are gone.
-- param: hours INTEGER = 24 -- how many hours back to look
SELECT sourceIPAddress, eventTime, userIdentity.arn AS "user",
       element_at(requestParameters, 'indexId') AS indexId,
       element_at(requestParameters, 'dataSourceId') AS dataSourceId
FROM $EDS_ID
WHERE eventSource = 'qbusiness.amazonaws.com'
  AND eventName = 'StartDataSourceSyncJob'
  AND eventTime > date_add('hour', -${hours}, now())
ORDER BY eventTime
