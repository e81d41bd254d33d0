-- name: report-bedrock-guardrail-and-logging-changes
-- title: Amazon Bedrock guardrail and invocation-logging changes
-- description: Guardrails created, updated or deleted, and model invocation logging turned on, changed or off.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventTime, eventName, userIdentity.arn AS principal, sourceIPAddress, awsRegion, errorCode,
       coalesce(element_at(requestParameters, 'guardrailIdentifier'), element_at(requestParameters, 'name')) AS guardrail
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName IN ('CreateGuardrail', 'UpdateGuardrail', 'DeleteGuardrail', 'CreateGuardrailVersion',
                    'PutModelInvocationLoggingConfiguration', 'DeleteModelInvocationLoggingConfiguration')
  AND eventTime >= ${since} AND eventTime < ${until}
ORDER BY eventTime, eventID
