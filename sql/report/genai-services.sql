-- name: report-genai-services
-- title: Generative AI services seen
-- description: Calls to Amazon Bedrock, SageMaker, Amazon Q Business, Q Developer (CodeWhisperer), Q Apps and Kendra, with the principals calling them and their errors.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventSource, COUNT(*) AS events, COUNT(DISTINCT coalesce(userIdentity.arn, userIdentity.principalid)) AS principals,
       COUNT(DISTINCT eventName) AS apis,
       SUM(CASE WHEN errorCode IS NULL THEN 0 ELSE 1 END) AS errors
FROM $EDS_ID
WHERE eventSource IN ('bedrock.amazonaws.com', 'sagemaker.amazonaws.com', 'qbusiness.amazonaws.com', 'q.amazonaws.com',
                      'codewhisperer.amazonaws.com', 'qapps.amazonaws.com', 'kendra.amazonaws.com')
  AND eventTime >= ${since} AND eventTime < ${until}
GROUP BY eventSource
ORDER BY events DESC, eventSource
