-- name: bedrock-knowledge-base-queries
-- title: Amazon Bedrock knowledge base queries
-- description: RetrieveAndGenerate and Retrieve data events with the caller, request parameters and the knowledge base queried (seed 002, Bedrock knowledge bases).
SELECT userIdentity, eventTime, eventName, userAgent, requestParameters, resources
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName IN ('RetrieveAndGenerate', 'Retrieve')
ORDER BY eventTime
