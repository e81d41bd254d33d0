-- name: sagemaker-training-job-starts
-- title: SageMaker training jobs started
-- description: CreateTrainingJob calls with who started them, the instance type and count, the execution role and the training data location (seed 000: model training initiations).
-- param: since TIMESTAMP = 1970-01-01 00:00:00 -- earliest event time
SELECT eventTime, userIdentity.arn AS principal, errorCode,
       element_at(requestParameters, 'trainingJobName') AS trainingJobName,
       json_extract_scalar(element_at(requestParameters, 'resourceConfig'), '$.instanceType') AS instanceType,
       CAST(json_extract_scalar(element_at(requestParameters, 'resourceConfig'), '$.instanceCount') AS INTEGER) AS instanceCount,
       element_at(requestParameters, 'roleArn') AS roleArn,
       json_extract_scalar(element_at(requestParameters, 'inputDataConfig'), '$[0].dataSource.s3DataSource.s3Uri') AS trainingData
FROM $EDS_ID
WHERE eventSource = 'sagemaker.amazonaws.com'
  AND eventName = 'CreateTrainingJob'
  AND eventTime > ${since}
ORDER BY eventTime
