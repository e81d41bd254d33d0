-- name: qdeveloper-code-analysis-users
-- title: Who ran Amazon Q Developer security scans
-- description: StartCodeAnalysis data events with the IAM Identity Center user behind each (userIdentity.onBehalfOf.userId), when and from where (seed 002, Q Developer).
SELECT userIdentity.onbehalfof.userid AS userId,
       userIdentity.onbehalfof.identitystorearn AS identityStoreArn,
       eventTime, sourceIPAddress, userAgent
FROM $EDS_ID
WHERE eventName = 'StartCodeAnalysis'
ORDER BY eventTime
