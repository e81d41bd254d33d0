-- name: bedrock-model-access-enumeration
-- title: Amazon Bedrock model-access enumeration (LLMjacking signals)
-- description: Per principal and source IP over the last days: foundation-model availability checks, other enumeration calls and denied model invocations, kept when any availability check or at least min_denied denied invocations occurred. Stolen keys probing which models they can use look like this.
-- param: days INTEGER = 7 -- how many days back to look
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
  AND eventTime > date_add('day', -${days}, now())
GROUP BY coalesce(userIdentity.arn, userIdentity.principalid), sourceIPAddress
HAVING SUM(CASE WHEN eventName = 'GetFoundationModelAvailability' THEN 1 ELSE 0 END) > 0
    OR SUM(CASE WHEN eventName IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')
                 AND errorCode IN ('AccessDenied', 'AccessDeniedException') THEN 1 ELSE 0 END) >= ${min_denied}
ORDER BY deniedInvocations DESC, availabilityChecks DESC, principal
