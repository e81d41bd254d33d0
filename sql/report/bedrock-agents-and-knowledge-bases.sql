-- name: report-bedrock-agents-and-knowledge-bases
-- title: Amazon Bedrock agent and knowledge-base use
-- description: InvokeAgent, Retrieve and RetrieveAndGenerate calls per principal and agent or knowledge base.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventName, coalesce(userIdentity.arn, userIdentity.principalid) AS principal,
       coalesce(element_at(requestParameters, 'agentId'), element_at(requestParameters, 'knowledgeBaseId'),
                json_extract_scalar(element_at(requestParameters, 'retrieveAndGenerateConfiguration'), '$.knowledgeBaseConfiguration.knowledgeBaseId')) AS agentOrKnowledgeBase,
       COUNT(*) AS calls,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors,
       min(eventTime) AS firstCall, max(eventTime) AS lastCall
FROM $EDS_ID
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName IN ('InvokeAgent', 'Retrieve', 'RetrieveAndGenerate')
  AND eventTime >= ${since} AND eventTime < ${until}
GROUP BY eventName, coalesce(userIdentity.arn, userIdentity.principalid),
         coalesce(element_at(requestParameters, 'agentId'), element_at(requestParameters, 'knowledgeBaseId'),
                  json_extract_scalar(element_at(requestParameters, 'retrieveAndGenerateConfiguration'), '$.knowledgeBaseConfiguration.knowledgeBaseId'))
ORDER BY calls DESC, eventName, principal
