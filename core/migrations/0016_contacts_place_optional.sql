-- Beatbook store, schema version 16: a contact's place is optional (issue 13, "places as people give them").
-- Once shipped, this file never changes.
--
-- A phone call, an online exchange or a letter happens nowhere a coordinate could say: such a
-- contact carries an LSOA or LAP code as the person gave it, or no area at all. Face-to-face
-- contacts still need their place (the core's rule, ContactMethod::needs_place); the table
-- only insists that latitude and longitude come together.
--
-- SQLite cannot drop NOT NULL from a column, so the table is rebuilt (the migration runs with
-- foreign keys off, see store/migrations.rs: dropping the old table must not cascade to
-- contact_personal, contact_nearby or follow_ups). Rows keep their rowids, so the spatial
-- index (`contacts_where`, keyed by rowid) stays valid; its triggers are recreated to leave
-- a contact without a place out of the index, and to move a contact in or out of it when its
-- place is set or cleared. The search index is keyed by record id and is untouched.
CREATE TABLE contacts_rebuilt (
    id TEXT PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    lat REAL CHECK (lat BETWEEN -90 AND 90),
    lon REAL CHECK (lon BETWEEN -180 AND 180),
    lsoa_code TEXT,
    lap_code TEXT,
    method TEXT NOT NULL,
    audience TEXT NOT NULL,
    people_count INTEGER NOT NULL CHECK (people_count > 0),
    issues TEXT NOT NULL, -- JSON array of police.uk category slugs
    issues_text TEXT,
    promised TEXT,
    follow_up_id TEXT,
    consent_to_recontact INTEGER NOT NULL CHECK (consent_to_recontact IN (0, 1)),
    -- Special category personal data, only as the person chose; dropped on redaction.
    ethnicity TEXT,
    repeat_caller INTEGER NOT NULL CHECK (repeat_caller IN (0, 1)),
    vulnerable INTEGER NOT NULL CHECK (vulnerable IN (0, 1)),
    repeat_location INTEGER NOT NULL CHECK (repeat_location IN (0, 1)),
    problem_id TEXT REFERENCES problems(id),
    patrol_id TEXT REFERENCES patrols(id),
    recorded_by TEXT NOT NULL,
    redacted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    correction_reason TEXT,
    CHECK ((lat IS NULL) = (lon IS NULL))
) STRICT;
INSERT INTO contacts_rebuilt (rowid, id, occurred_at, lat, lon, lsoa_code, lap_code, method,
    audience, people_count, issues, issues_text, promised, follow_up_id, consent_to_recontact,
    ethnicity, repeat_caller, vulnerable, repeat_location, problem_id, patrol_id, recorded_by,
    redacted_at, created_at, updated_at, correction_reason)
SELECT rowid, id, occurred_at, lat, lon, lsoa_code, lap_code, method,
    audience, people_count, issues, issues_text, promised, follow_up_id, consent_to_recontact,
    ethnicity, repeat_caller, vulnerable, repeat_location, problem_id, patrol_id, recorded_by,
    redacted_at, created_at, updated_at, correction_reason
FROM contacts;
-- Drops the table's indexes and the spatial index's triggers with it.
DROP TABLE contacts;
ALTER TABLE contacts_rebuilt RENAME TO contacts;

CREATE INDEX contacts_recorder ON contacts (recorded_by, occurred_at);
CREATE INDEX contacts_lsoa ON contacts (lsoa_code, occurred_at);
CREATE INDEX contacts_occurred_report ON contacts
    (occurred_at, lsoa_code, lap_code, method, audience, people_count, recorded_by, id);

CREATE TRIGGER contacts_where_insert AFTER INSERT ON contacts WHEN new.lat IS NOT NULL BEGIN
    INSERT INTO contacts_where (id, min_lat, max_lat, min_lon, max_lon, min_day, max_day)
    VALUES (new.rowid, new.lat, new.lat, new.lon, new.lon,
            julianday(new.occurred_at) - 2440587.5, julianday(new.occurred_at) - 2440587.5);
END;
CREATE TRIGGER contacts_where_update AFTER UPDATE OF lat, lon, occurred_at ON contacts BEGIN
    DELETE FROM contacts_where WHERE id = old.rowid;
    INSERT INTO contacts_where (id, min_lat, max_lat, min_lon, max_lon, min_day, max_day)
    SELECT new.rowid, new.lat, new.lat, new.lon, new.lon,
           julianday(new.occurred_at) - 2440587.5, julianday(new.occurred_at) - 2440587.5
    WHERE new.lat IS NOT NULL;
END;
CREATE TRIGGER contacts_where_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_where WHERE id = old.rowid;
END;
