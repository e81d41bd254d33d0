-- The lake catalog. A part is visible to queries once its file is under events/; the catalog
-- records it first (state 'pending') so that a crash between the two is rolled forward.
CREATE TABLE IF NOT EXISTS runs (
  run_id      INTEGER PRIMARY KEY,
  started_at  TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  sources     VARCHAR NOT NULL,
  status      VARCHAR NOT NULL,          -- running | done | failed | interrupted
  objects     BIGINT,
  events      BIGINT,
  bytes       BIGINT,
  errors      BIGINT
);

CREATE TABLE IF NOT EXISTS parts (
  part       VARCHAR PRIMARY KEY,        -- path under events/
  run_id     INTEGER NOT NULL,
  rows       BIGINT NOT NULL,
  bytes      BIGINT NOT NULL,
  staged     VARCHAR,                    -- staging path while state = 'pending'
  state      VARCHAR NOT NULL,           -- pending (being moved in) | live | retired (being deleted)
  sha256     VARCHAR                     -- of the file as committed; NULL in lakes from before it
);

CREATE TABLE IF NOT EXISTS objects (
  uri         VARCHAR PRIMARY KEY,
  size        BIGINT NOT NULL,
  version     VARCHAR NOT NULL,          -- mtime:size for files, ETag for S3
  kind        VARCHAR NOT NULL,          -- log | insight
  events      BIGINT NOT NULL,
  run_id      INTEGER NOT NULL,
  ingested_at TIMESTAMP NOT NULL,
  sha256      VARCHAR                    -- of the bytes as read; NULL in lakes from before it
);

-- The lake's identity, made once: `ctlake push` writes it into the manifest on S3 and refuses a
-- prefix that holds another lake's push (whose parts it would overwrite and delete).
CREATE TABLE IF NOT EXISTS lake (id VARCHAR NOT NULL);
INSERT INTO lake SELECT CAST(uuid() AS VARCHAR) WHERE NOT EXISTS (SELECT 1 FROM lake);

-- Lakes written before the hashes were recorded gain the columns (NULL for what is there).
ALTER TABLE parts ADD COLUMN IF NOT EXISTS sha256 VARCHAR;
ALTER TABLE objects ADD COLUMN IF NOT EXISTS sha256 VARCHAR;

-- What `ctlake verify <archive> --lake DIR` found for each object, by URI: valid (a valid digest
-- lists it with its hash), invalid (with the reason) or not-covered (no valid digest lists it).
CREATE TABLE IF NOT EXISTS verifications (
  uri         VARCHAR PRIMARY KEY,
  status      VARCHAR NOT NULL,
  reason      VARCHAR,
  digest      VARCHAR,
  verified_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS errors (
  run_id  INTEGER NOT NULL,
  uri     VARCHAR NOT NULL,
  size    BIGINT,
  version VARCHAR,
  reason  VARCHAR NOT NULL,
  failed_at TIMESTAMP NOT NULL
);

-- Per-commit scratch tables, filled by appenders and moved into the tables above in one
-- transaction.
CREATE OR REPLACE TEMP TABLE new_parts AS SELECT * FROM parts LIMIT 0;
CREATE OR REPLACE TEMP TABLE new_objects AS SELECT * FROM objects LIMIT 0;
CREATE OR REPLACE TEMP TABLE new_errors AS SELECT * FROM errors LIMIT 0;
