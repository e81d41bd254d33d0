-- name: bedrock-agent-invocations
-- title: Amazon Bedrock agent invocations
-- description: InvokeAgent data events with the caller, request parameters and the agent alias invoked (seed 002, Bedrock agents).
SELECT userIdentity, eventTime, eventName, userAgent, requestParameters, resources
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName = 'InvokeAgent'
ORDER BY eventTime
