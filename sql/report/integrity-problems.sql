-- name: report-integrity-problems
-- title: Source objects that failed verification
-- description: Every object of the range that ctlake verify found invalid, with the reason.
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT uri, verificationReason AS reason, digest, verifiedAt
FROM cloudtrail_objects
WHERE verification = 'invalid'
  AND uri IN (SELECT sourceObject FROM $EDS_ID WHERE eventTime >= ${since} AND eventTime < ${until})
ORDER BY uri
