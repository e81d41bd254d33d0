-- name: sagemaker-model-deployments
-- title: SageMaker model deployments
-- description: CreateModel, CreateEndpointConfig, CreateEndpoint, UpdateEndpoint and DeleteEndpoint calls: what was deployed, by whom and when (seed 000: model deployment).
-- param: since TIMESTAMP = 1970-01-01 00:00:00 -- earliest event time
SELECT eventTime, eventName, userIdentity.arn AS principal, errorCode,
       coalesce(element_at(requestParameters, 'endpointName'),
                element_at(requestParameters, 'endpointConfigName'),
                element_at(requestParameters, 'modelName')) AS resourceName,
       element_at(requestParameters, 'endpointConfigName') AS endpointConfigName
FROM $EDS_ID
WHERE eventSource = 'sagemaker.amazonaws.com'
  AND eventName IN ('CreateModel', 'CreateEndpointConfig', 'CreateEndpoint', 'UpdateEndpoint', 'DeleteEndpoint')
  AND eventTime > ${since}
ORDER BY eventTime
