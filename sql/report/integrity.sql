-- name: report-integrity
-- title: Integrity of the source objects
-- description: What ctlake verify last found for the objects the range's events come from: valid (a valid signed digest lists them with the same hash), invalid, not covered by any valid digest, or never verified (empty).
-- param: since TIMESTAMP -- the report's first instant
-- param: until TIMESTAMP -- the report's end (exclusive)
SELECT verification, COUNT(*) AS objects, max(verifiedAt) AS lastVerified
FROM cloudtrail_objects
WHERE uri IN (SELECT sourceObject FROM $EDS_ID WHERE eventTime >= ${since} AND eventTime < ${until})
GROUP BY verification
ORDER BY verification
