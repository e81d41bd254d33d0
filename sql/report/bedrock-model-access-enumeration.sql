-- name: report-bedrock-model-access-enumeration
-- title: Amazon Bedrock model-access enumeration
-- description: Principals checking which models they may use, or denied model invocations, per source IP.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
-- param: min_denied INTEGER = 3 -- denied invocations that flag a principal without availability checks
SELECT coalesce(userIdentity.arn, userIdentity.principalid) AS principal, sourceIPAddress,
       SUM(CASE WHEN eventName = 'GetFoundationModelAvailability' THEN 1 ELSE 0 END) AS availabilityChecks,
       SUM(CASE WHEN eventName IN ('ListFoundationModels', 'GetFoundationModel', 'GetFoundationModelAvailability',
                                   'GetModelInvocationLoggingConfiguration', 'ListCustomModels') THEN 1 ELSE 0 END) AS enumerationCalls,
       SUM(CASE WHEN eventName IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')
                 AND errorCode IN ('AccessDenied', 'AccessDeniedException') THEN 1 ELSE 0 END) AS deniedInvocations,
       COUNT(DISTINCT element_at(requestParameters, 'modelId')) AS modelsTouched,
       min(eventTime) AS firstSeen, max(eventTime) AS lastSeen
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventTime >= ${since} AND eventTime < ${until}
GROUP BY coalesce(userIdentity.arn, userIdentity.principalid), sourceIPAddress
HAVING SUM(CASE WHEN eventName = 'GetFoundationModelAvailability' THEN 1 ELSE 0 END) > 0
    OR SUM(CASE WHEN eventName IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')
                 AND errorCode IN ('AccessDenied', 'AccessDeniedException') THEN 1 ELSE 0 END) >= ${min_denied}
ORDER BY deniedInvocations DESC, availabilityChecks DESC, principal, sourceIPAddress
