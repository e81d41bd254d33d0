-- name: report-s3-training-data-reads
-- title: Reads of training-data buckets
-- description: GetObject calls on buckets whose name matches the pattern, per principal and bucket, with the number of distinct objects (HyperLogLog estimate, about 2% error) and the bytes read.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
-- param: bucket VARCHAR = %training% -- bucket name, LIKE pattern
SELECT userIdentity.arn AS principal,
       element_at(requestParameters, 'bucketName') AS bucket,
       COUNT(*) AS reads,
       approx_distinct(element_at(requestParameters, 'key')) AS objectsApprox,
       SUM(CAST(element_at(additionalEventData, 'bytesTransferredOut') AS BIGINT)) AS bytesOut,
       min(eventTime) AS firstRead, max(eventTime) AS lastRead
FROM $EDS_ID
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'GetObject'
  AND element_at(requestParameters, 'bucketName') LIKE ${bucket}
  AND eventTime >= ${since} AND eventTime < ${until}
GROUP BY userIdentity.arn, element_at(requestParameters, 'bucketName')
ORDER BY reads DESC, principal, bucket
