-- name: report-sagemaker-activity
-- title: Amazon SageMaker training, models, endpoints and notebooks
-- description: Training jobs started and stopped, models and endpoints created, changed and deleted, notebook instances created, opened, changed and deleted.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventTime, eventName, userIdentity.arn AS principal, sourceIPAddress, errorCode,
       coalesce(element_at(requestParameters, 'trainingJobName'),
                element_at(requestParameters, 'hyperParameterTuningJobName'),
                element_at(requestParameters, 'endpointName'),
                element_at(requestParameters, 'endpointConfigName'),
                element_at(requestParameters, 'modelName'),
                element_at(requestParameters, 'modelPackageName'),
                element_at(requestParameters, 'notebookInstanceName')) AS resourceName,
       coalesce(json_extract_scalar(element_at(requestParameters, 'resourceConfig'), '$.instanceType'),
                element_at(requestParameters, 'instanceType')) AS instanceType
FROM $EDS_ID
WHERE eventSource = 'sagemaker.amazonaws.com'
  AND eventName IN ('CreateTrainingJob', 'StopTrainingJob', 'StopHyperParameterTuningJob',
                    'CreateModel', 'DeleteModel', 'DeleteModelPackage',
                    'CreateEndpointConfig', 'CreateEndpoint', 'UpdateEndpoint', 'DeleteEndpoint', 'DeleteEndpointConfig',
                    'CreateNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance', 'StopNotebookInstance',
                    'DeleteNotebookInstance', 'CreatePresignedNotebookInstanceUrl', 'UpdateNotebookInstanceLifecycleConfig')
  AND eventTime >= ${since} AND eventTime < ${until}
ORDER BY eventTime, eventID
