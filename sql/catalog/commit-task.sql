-- Moves one task's rows from the temp tables into the catalog. Runs inside the caller's
-- transaction. An object read again (its version changed) replaces its earlier entry.
DELETE FROM objects WHERE uri IN (SELECT uri FROM new_objects);
INSERT INTO objects SELECT * FROM new_objects;
INSERT INTO parts SELECT * FROM new_parts;
INSERT INTO errors SELECT * FROM new_errors;
DELETE FROM new_objects;
DELETE FROM new_parts;
DELETE FROM new_errors;
