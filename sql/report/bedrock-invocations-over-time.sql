-- name: report-bedrock-invocations-over-time
-- title: Amazon Bedrock model invocations over time
-- description: InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream calls per time bucket, principal and model, with errors.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
-- param: bucket VARCHAR = day -- hour, day or week
SELECT date_trunc(${bucket}, eventTime) AS bucket,
       coalesce(userIdentity.arn, userIdentity.principalid) AS principal,
       element_at(requestParameters, 'modelId') AS modelId,
       COUNT(*) AS calls,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')
  AND eventTime >= ${since} AND eventTime < ${until}
GROUP BY date_trunc(${bucket}, eventTime), coalesce(userIdentity.arn, userIdentity.principalid), element_at(requestParameters, 'modelId')
ORDER BY bucket, calls DESC, principal, modelId
