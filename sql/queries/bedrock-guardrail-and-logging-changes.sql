-- name: bedrock-guardrail-and-logging-changes
-- title: Changes to Amazon Bedrock guardrails and invocation logging
-- description: Guardrails created, changed or deleted and model invocation logging configured or deleted, with who and from where; turning logging off or weakening a guardrail is how model abuse is hidden.
-- param: since TIMESTAMP = 1970-01-01 00:00:00 -- earliest event time
SELECT eventTime, eventName, userIdentity.arn AS principal, sourceIPAddress, awsRegion, errorCode,
       coalesce(element_at(requestParameters, 'guardrailIdentifier'), element_at(requestParameters, 'name')) AS guardrail
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName IN ('CreateGuardrail', 'UpdateGuardrail', 'DeleteGuardrail', 'CreateGuardrailVersion',
                    'PutModelInvocationLoggingConfiguration', 'DeleteModelInvocationLoggingConfiguration')
  AND eventTime > ${since}
ORDER BY eventTime
