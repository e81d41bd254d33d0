-- name: report-ec2-launched-by-ml-roles
-- title: EC2 capacity launched by ML roles
-- description: RunInstances calls by the sessions of any role that also called SageMaker or Bedrock in the report's range: capacity a model-training or inference identity launched directly.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventTime, userIdentity.arn AS principal, awsRegion, sourceIPAddress, errorCode,
       element_at(requestParameters, 'instanceType') AS instanceType,
       json_extract_scalar(element_at(requestParameters, 'instancesSet'), '$.items[0].maxCount') AS instances
FROM $EDS_ID
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'RunInstances'
  AND eventTime >= ${since} AND eventTime < ${until}
  AND userIdentity.sessioncontext.sessionissuer.arn IN (
    SELECT userIdentity.sessioncontext.sessionissuer.arn
    FROM $EDS_ID
    WHERE eventSource IN ('sagemaker.amazonaws.com', 'bedrock.amazonaws.com')
      AND userIdentity.sessioncontext.sessionissuer.arn IS NOT NULL
  AND eventTime >= ${since} AND eventTime < ${until})
ORDER BY eventTime, eventID
