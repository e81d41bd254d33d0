-- name: report-qbusiness-document-deletions
-- title: Amazon Q Business document deletions
-- description: BatchDeleteDocument calls: who removed documents from which index.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventTime, coalesce(userIdentity.arn, userIdentity.principalid) AS principal, sourceIPAddress,
       element_at(requestParameters, 'applicationId') AS applicationId,
       element_at(requestParameters, 'indexId') AS indexId, errorCode
FROM $EDS_ID
WHERE eventSource = 'qbusiness.amazonaws.com'
  AND eventName = 'BatchDeleteDocument'
  AND eventTime >= ${since} AND eventTime < ${until}
ORDER BY eventTime, eventID
