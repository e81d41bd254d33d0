-- name: s3-object-deletions
-- title: Objects deleted from an S3 bucket
-- description: DeleteObject and DeleteObjects data events on buckets matching a LIKE pattern since a time, with who deleted what (seed 002, step 4: the data source bucket of a Q Business application).
-- param: bucket VARCHAR = % -- bucket name, LIKE pattern
-- param: since TIMESTAMP = 1970-01-01 00:00:00 -- earliest event time
SELECT sourceIPAddress, eventTime, userIdentity.arn AS "user",
       element_at(requestParameters, 'bucketName') AS bucket,
       element_at(requestParameters, 'key') AS objectKey, eventName
FROM $EDS_ID
WHERE userIdentity.arn IS NOT NULL
  AND eventSource = 's3.amazonaws.com'
  AND eventName IN ('DeleteObject', 'DeleteObjects')
  AND element_at(requestParameters, 'bucketName') LIKE ${bucket}
  AND eventTime > ${since}
ORDER BY eventTime
