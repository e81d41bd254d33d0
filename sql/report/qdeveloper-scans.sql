-- name: report-qdeveloper-scans
-- title: Amazon Q Developer code scans
-- description: StartCodeAnalysis calls, with the IAM Identity Center user they were made for.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT eventTime, coalesce(userIdentity.onbehalfof.userid, userIdentity.arn, userIdentity.principalid) AS userId,
       userIdentity.onbehalfof.identitystorearn AS identityStoreArn, sourceIPAddress, userAgent, errorCode
FROM $EDS_ID
WHERE eventName = 'StartCodeAnalysis'
  AND eventTime >= ${since} AND eventTime < ${until}
ORDER BY eventTime, eventID
