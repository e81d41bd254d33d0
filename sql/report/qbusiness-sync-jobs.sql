-- name: report-qbusiness-sync-jobs
-- title: Amazon Q Business data source sync jobs
-- description: StartDataSourceSyncJob calls: which data sources were synced into which index, by whom.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventTime, coalesce(userIdentity.arn, userIdentity.principalid) AS principal, sourceIPAddress,
       element_at(requestParameters, 'indexId') AS indexId,
       element_at(requestParameters, 'dataSourceId') AS dataSourceId, errorCode
FROM $EDS_ID
WHERE eventSource = 'qbusiness.amazonaws.com'
  AND eventName = 'StartDataSourceSyncJob'
  AND eventTime >= ${since} AND eventTime < ${until}
ORDER BY eventTime, eventID
