-- name: s3-training-data-access
-- title: Who read training data in S3
-- description: GetObject data events on buckets matching a LIKE pattern, per principal and bucket: reads, distinct objects, bytes and first/last read (seed 000: data access to training data).
-- param: bucket VARCHAR = %training% -- bucket name, LIKE pattern
-- param: since TIMESTAMP = 1970-01-01 00:00:00 -- earliest event time
SELECT userIdentity.arn AS principal,
       element_at(requestParameters, 'bucketName') AS bucket,
       COUNT(*) AS reads,
       COUNT(DISTINCT element_at(requestParameters, 'key')) AS objects,
       SUM(CAST(element_at(additionalEventData, 'bytesTransferredOut') AS BIGINT)) AS bytesOut,
       min(eventTime) AS firstRead, max(eventTime) AS lastRead
FROM $EDS_ID
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'GetObject'
  AND element_at(requestParameters, 'bucketName') LIKE ${bucket}
  AND eventTime > ${since}
GROUP BY userIdentity.arn, element_at(requestParameters, 'bucketName')
ORDER BY reads DESC, principal
