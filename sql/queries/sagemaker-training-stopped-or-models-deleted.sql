-- name: sagemaker-training-stopped-or-models-deleted
-- title: Who stopped a SageMaker training job or deleted a model
-- description: StopTrainingJob, StopHyperParameterTuningJob, DeleteModel, DeleteModelPackage, DeleteEndpoint and DeleteEndpointConfig calls with who made them and on what (seed 003, scenario 1).
-- param: since TIMESTAMP = 1970-01-01 00:00:00 -- earliest event time
SELECT eventTime, eventName, userIdentity.arn AS principal, sourceIPAddress, errorCode,
       coalesce(element_at(requestParameters, 'trainingJobName'),
                element_at(requestParameters, 'hyperParameterTuningJobName'),
                element_at(requestParameters, 'modelName'),
                element_at(requestParameters, 'modelPackageName'),
                element_at(requestParameters, 'endpointName'),
                element_at(requestParameters, 'endpointConfigName')) AS resourceName
FROM $EDS_ID
WHERE eventSource = 'sagemaker.amazonaws.com'
  AND eventName IN ('StopTrainingJob', 'StopHyperParameterTuningJob', 'DeleteModel', 'DeleteModelPackage', 'DeleteEndpoint', 'DeleteEndpointConfig')
  AND eventTime > ${since}
ORDER BY eventTime
