-- name: qbusiness-document-deletions
-- title: Who deleted documents from an Amazon Q Business index
-- description: BatchDeleteDocument calls over the last hours with the identity behind each (seed 002, step 2): an administrator, or a data source connector's role during a sync.
-- param: hours INTEGER = 24 -- how many hours back to look
SELECT sourceIPAddress, eventTime, userIdentity.principalid AS principalId, userIdentity.arn AS arn,
       element_at(requestParameters, 'indexId') AS indexId
FROM $EDS_ID
WHERE eventSource = 'qbusiness.amazonaws.com'
  AND eventName = 'BatchDeleteDocument'
  AND eventTime > date_add('hour', -${hours}, now())
ORDER BY eventTime
