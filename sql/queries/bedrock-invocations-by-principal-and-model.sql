-- name: bedrock-invocations-by-principal-and-model
-- title: Amazon Bedrock model invocations by principal and model
-- description: InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream calls over the last days per principal and model, with errors and the error codes seen (volume and failure signals).
-- param: days INTEGER = 7 -- how many days back to look
SELECT coalesce(userIdentity.arn, userIdentity.principalid) AS principal,
       element_at(requestParameters, 'modelId') AS modelId,
       COUNT(*) AS calls,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors,
       array_join(array_sort(array_agg(DISTINCT errorCode) FILTER (WHERE errorCode IS NOT NULL)), ',') AS errorCodes,
       min(eventTime) AS firstCall, max(eventTime) AS lastCall
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')
  AND eventTime > date_add('day', -${days}, now())
GROUP BY coalesce(userIdentity.arn, userIdentity.principalid), element_at(requestParameters, 'modelId')
ORDER BY calls DESC, principal, modelId
