-- name: sagemaker-role-outside-sagemaker
-- title: A SageMaker role acting outside SageMaker
-- description: Calls made with a SageMaker execution role's session that SageMaker did not make (source IP or user agent not sagemaker.amazonaws.com), or made outside the allowed regions (seed 003: a training role launching instances or listing users elsewhere is a stolen-credential signal).
-- param: role VARCHAR = SageMakerTrainingRole -- the role name (sessionIssuer.userName)
-- param: regions VARCHAR = '' -- comma-separated allowed regions; empty allows every region
SELECT eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent, errorCode,
       userIdentity.arn AS sessionArn
FROM $EDS_ID
WHERE userIdentity.sessioncontext.sessionissuer.username = ${role}
  AND (sourceIPAddress <> 'sagemaker.amazonaws.com'
       OR userAgent <> 'sagemaker.amazonaws.com'
       OR (${regions} <> '' AND NOT contains(split(${regions}, ','), awsRegion)))
ORDER BY eventTime
