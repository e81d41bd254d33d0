-- name: sagemaker-notebook-changes
-- title: Changes to SageMaker notebook instances
-- description: Who created, changed, started, stopped, deleted or opened a notebook instance, with its name and instance type (seed 003: "which IAM user changed the memory limit on a notebook instance?").
-- param: since TIMESTAMP = 1970-01-01 00:00:00 -- earliest event time
SELECT eventTime, eventName, userIdentity.arn AS principal, sourceIPAddress, errorCode,
       element_at(requestParameters, 'notebookInstanceName') AS notebookInstance,
       element_at(requestParameters, 'instanceType') AS instanceType,
       element_at(requestParameters, 'volumeSizeInGB') AS volumeSizeInGB
FROM $EDS_ID
WHERE eventSource = 'sagemaker.amazonaws.com'
  AND eventName IN ('CreateNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance', 'StopNotebookInstance',
                    'DeleteNotebookInstance', 'CreatePresignedNotebookInstanceUrl', 'UpdateNotebookInstanceLifecycleConfig')
  AND eventTime > ${since}
ORDER BY eventTime
