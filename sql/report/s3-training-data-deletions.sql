-- name: report-s3-training-data-deletions
-- title: Deletions in training-data buckets
-- description: DeleteObject and DeleteObjects calls on buckets whose name matches the pattern: who removed which training data.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
-- param: bucket VARCHAR = %training% -- bucket name, LIKE pattern
SELECT eventTime, eventName, coalesce(userIdentity.arn, userIdentity.principalid) AS principal, sourceIPAddress,
       element_at(requestParameters, 'bucketName') AS bucket,
       element_at(requestParameters, 'key') AS objectKey, errorCode
FROM $EDS_ID
WHERE eventSource = 's3.amazonaws.com'
  AND eventName IN ('DeleteObject', 'DeleteObjects')
  AND eventTime >= ${since} AND eventTime < ${until}
  AND element_at(requestParameters, 'bucketName') LIKE ${bucket}
ORDER BY eventTime, eventID
