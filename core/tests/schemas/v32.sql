-- Frozen: the schema of store version 32 as shipped (version 31, then search_progress: the row number through which every record is indexed for search; before that, version 30, then the s.62 log's action, record kind and detail kept once each in audit_events; before that, version 29, then the sync state keyed by a record id packed as the s.62 log packs it and the kind's number; before that, version 28, then three indexes nothing read dropped; before that, version 27, then the repeat-location index as grid cells by week in place of the R*Tree; before that, version 26, then the s.62 log's entries with times in microseconds, record ids packed and a CHECK without an IN list; the rows copied by functions are not part of the schema). Never edit; see tests/schema_upgrades.rs.
CREATE TABLE laps (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;
CREATE TABLE lsoas (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    lap_code TEXT NOT NULL,
    neighbourhood TEXT
) STRICT;
CREATE TABLE area_boundaries (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    geojson TEXT NOT NULL,
    loaded_at TEXT NOT NULL
) STRICT;
CREATE TABLE priority_areas (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phase TEXT CHECK (phase IN ('clear', 'hold', 'build')),
    lsoa_codes TEXT NOT NULL -- JSON array of GSS codes
) STRICT;
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    lap_code TEXT
) STRICT;
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('officer', 'pcso', 'cip_volunteer', 'supervisor')),
    team_id TEXT REFERENCES teams(id)
) STRICT;
CREATE TABLE device_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id)
, server_url TEXT, token TEXT) STRICT;
CREATE TABLE patrols (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    area_kind TEXT NOT NULL,
    area_id TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (length(trim(purpose)) > 0),
    operation_name TEXT,
    recorded_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT CHECK (ended_at IS NULL OR ended_at >= started_at),
    observations TEXT,
    assessment TEXT CHECK (ended_at IS NULL OR assessment IS NOT NULL), -- JSON
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX patrols_recorder ON patrols (recorded_by, started_at);
CREATE TABLE patrol_participants (
    patrol_id TEXT NOT NULL REFERENCES patrols(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (patrol_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX patrol_participants_user ON patrol_participants (user_id);
CREATE TABLE track_points (
    patrol_id TEXT NOT NULL REFERENCES patrols(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    PRIMARY KEY (patrol_id, at)
) STRICT, WITHOUT ROWID;
CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    observed_at TEXT NOT NULL,
    text TEXT NOT NULL,
    category TEXT NOT NULL,
    lat REAL CHECK (lat BETWEEN -90 AND 90),
    lon REAL CHECK (lon BETWEEN -180 AND 180),
    lsoa_code TEXT,
    patrol_id TEXT REFERENCES patrols(id),
    problem_id TEXT REFERENCES problems(id),
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX notes_observed ON notes (observed_at);
CREATE INDEX notes_author ON notes (author, observed_at);
CREATE INDEX notes_patrol ON notes (patrol_id);
CREATE TRIGGER notes_append_only BEFORE UPDATE ON notes
BEGIN
    SELECT RAISE(ABORT, 'notes are append-only');
END;
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
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
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX contacts_recorder ON contacts (recorded_by, occurred_at);
CREATE INDEX contacts_lsoa ON contacts (lsoa_code, occurred_at);
CREATE TABLE contact_personal (
    contact_id TEXT PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    name TEXT,
    phone TEXT,
    email TEXT,
    address TEXT
) STRICT, WITHOUT ROWID;
CREATE TABLE contact_nearby (
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    earlier_contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    distance_m REAL NOT NULL,
    PRIMARY KEY (contact_id, earlier_contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_nearby_earlier ON contact_nearby (earlier_contact_id);
CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY,
    contact_id TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    promise TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'cancelled')),
    answered_at TEXT,
    outcome TEXT
) STRICT;
CREATE INDEX follow_ups_owner ON follow_ups (owner, status, due_at);
CREATE TABLE problems (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    area_kind TEXT NOT NULL,
    area_id TEXT NOT NULL,
    category TEXT NOT NULL,
    owner TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('scanning', 'analysis', 'response', 'assessment', 'closed')),
    triangle TEXT NOT NULL,      -- JSON
    repeat_types TEXT NOT NULL,  -- JSON array
    responses TEXT NOT NULL,     -- JSON array
    assessment TEXT,             -- JSON
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    stage_changed_at TEXT NOT NULL
) STRICT;
CREATE INDEX problems_stage ON problems (stage);
CREATE TABLE problem_steps (
    id TEXT PRIMARY KEY,
    problem_id TEXT NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX problem_steps_problem ON problem_steps (problem_id, recorded_at);
CREATE TRIGGER problem_steps_no_update BEFORE UPDATE ON problem_steps
BEGIN
    SELECT RAISE(ABORT, 'problem steps are append-only');
END;
CREATE TABLE stage_requests (
    id TEXT PRIMARY KEY,
    problem_id TEXT NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    reason TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'sent_back')),
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT
) STRICT;
CREATE INDEX stage_requests_problem ON stage_requests (problem_id, requested_at);
CREATE UNIQUE INDEX stage_requests_one_pending ON stage_requests (problem_id) WHERE status = 'pending';
CREATE TABLE tombstones (
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    erased_at TEXT NOT NULL,
    erased_by TEXT NOT NULL,
    device_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (record_kind, record_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    device_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN
        ('collection', 'alteration', 'consultation', 'disclosure', 'combination', 'erasure')),
    record_kind TEXT NOT NULL,
    record_id TEXT,
    justification TEXT,
    detail TEXT
) STRICT;
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TABLE search_docs (
    rowid INTEGER PRIMARY KEY,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE VIRTUAL TABLE search_index USING fts5(
    title,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE sync_fields (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL, -- JSON
    hlc TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, field)
) STRICT, WITHOUT ROWID;
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    op_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL -- JSON
) STRICT;
CREATE TABLE sync_rejections (
    op_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    rejected_at TEXT NOT NULL
) STRICT;
CREATE TABLE sync_erased (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    body TEXT NOT NULL, -- JSON: the Conflict record
    resolved INTEGER NOT NULL CHECK (resolved IN (0, 1)),
    detected_at TEXT NOT NULL
) STRICT;
CREATE INDEX conflicts_open ON conflicts (resolved, detected_at);
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL,
    last_hlc TEXT,
    clock_offset_ms INTEGER NOT NULL,
    last_attempt_at TEXT,
    last_success_at TEXT,
    last_error TEXT
) STRICT;
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    reviewer TEXT NOT NULL,
    member TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    items TEXT NOT NULL -- JSON array of {kind, id, version}
) STRICT;
CREATE TRIGGER reviews_append_only BEFORE UPDATE ON reviews
BEGIN
    SELECT RAISE(ABORT, 'reviews are append-only');
END;
CREATE TABLE reviewed_items (
    reviewer TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version TEXT NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    PRIMARY KEY (reviewer, record_kind, record_id, version)
) STRICT, WITHOUT ROWID;
CREATE INDEX reviewed_items_review ON reviewed_items (review_id);
INSERT INTO sync_state (id, cursor, clock_offset_ms) VALUES (1, 0, 0);
CREATE TABLE sync_held (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('incomplete', 'unreadable')),
    held_at TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contacts_occurred_report ON contacts
    (occurred_at, lsoa_code, lap_code, method, audience, people_count, recorded_by, id);
CREATE INDEX follow_ups_created_report ON follow_ups
    (created_at, status, answered_at, due_at, owner, contact_id);
CREATE INDEX patrols_started_report ON patrols
    (started_at, ended_at, kind, area_kind, area_id, recorded_by, id,
     json_extract(assessment, '$.purpose_met'), json_extract(assessment, '$.value_rating'));
CREATE VIRTUAL TABLE contacts_where USING rtree(
    id,
    min_lat, max_lat,
    min_lon, max_lon,
    min_day, max_day
);
CREATE TRIGGER contacts_where_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_where (id, min_lat, max_lat, min_lon, max_lon, min_day, max_day)
    VALUES (new.rowid, new.lat, new.lat, new.lon, new.lon,
            julianday(new.occurred_at) - 2440587.5, julianday(new.occurred_at) - 2440587.5);
END;
CREATE TRIGGER contacts_where_update AFTER UPDATE OF lat, lon, occurred_at ON contacts BEGIN
    UPDATE contacts_where SET min_lat = new.lat, max_lat = new.lat,
        min_lon = new.lon, max_lon = new.lon,
        min_day = julianday(new.occurred_at) - 2440587.5,
        max_day = julianday(new.occurred_at) - 2440587.5
    WHERE id = new.rowid;
END;
CREATE TRIGGER contacts_where_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_where WHERE id = old.rowid;
END;
CREATE INDEX follow_ups_contact ON follow_ups (contact_id);

-- Version 8: compact sync state.
CREATE TABLE sync_records (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;
ALTER TABLE sync_held ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sync_state ADD COLUMN seen_hlc TEXT;
DROP TABLE sync_fields;

-- Version 9: the server's epoch (core/migrations/0009_server_epoch.sql).
ALTER TABLE sync_state ADD COLUMN server_epoch TEXT;
ALTER TABLE sync_state ADD COLUMN replaying INTEGER NOT NULL DEFAULT 0 CHECK (replaying IN (0, 1));
CREATE TABLE sync_replay (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    clocks BLOB NOT NULL,
    erased INTEGER NOT NULL CHECK (erased IN (0, 1)),
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;

ALTER TABLE device_profile ADD COLUMN server_ca_pem TEXT;
ALTER TABLE device_profile ADD COLUMN server_pins TEXT;

CREATE INDEX conflicts_record ON conflicts (record_id);

ALTER TABLE sync_state ADD COLUMN audit_acknowledged_through INTEGER NOT NULL DEFAULT 0;

-- Beatbook store, schema version 14: corrections with an audit trail (issue 13 item 5).
--
-- A contact, a patrol or a follow-up corrected after it was recorded keeps the reason for its
-- latest correction (`correction_reason`, synced like any field, so every device and the
-- server know why the values changed). A patrol started by mistake is cancelled, not deleted:
-- `cancelled_at` says when, and a cancelled patrol counts in no report and is nobody's open
-- patrol. Notes stay append-only: a correction is a new note naming the one it `amends`
-- (with its reason), and lists show the newest of the chain; the index finds a note's
-- amendment without a scan. The report index gains `cancelled_at` so a report still reads
-- patrols from the index alone. Once shipped, this file never changes.
ALTER TABLE contacts ADD COLUMN correction_reason TEXT;
ALTER TABLE patrols ADD COLUMN correction_reason TEXT;
ALTER TABLE patrols ADD COLUMN cancelled_at TEXT;
ALTER TABLE follow_ups ADD COLUMN correction_reason TEXT;
ALTER TABLE notes ADD COLUMN amends TEXT;
ALTER TABLE notes ADD COLUMN correction_reason TEXT;
CREATE INDEX notes_amends ON notes (amends) WHERE amends IS NOT NULL;
DROP INDEX patrols_started_report;
CREATE INDEX patrols_started_report ON patrols
    (started_at, ended_at, kind, area_kind, area_id, recorded_by, id,
     json_extract(assessment, '$.purpose_met'), json_extract(assessment, '$.value_rating'),
     cancelled_at);

-- Beatbook store, schema version 15: a volunteer's promise is a referral to the team.
-- Once shipped, this file never changes.
--
-- A volunteer does not keep promises to the public themselves: their promise is recorded with
-- no owner, naming them in `referred_by`, for a supervisor to give to someone from the team's
-- follow-up board. `owner` becomes nullable, which SQLite can only do by rebuilding the table
-- (nothing references `follow_ups`, and it has no triggers). The report's covering index gains
-- `referred_by`: a referral not yet given counts for the volunteer who made it.
CREATE TABLE follow_ups_new (
    id TEXT PRIMARY KEY,
    contact_id TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    promise TEXT NOT NULL,
    owner TEXT,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'cancelled')),
    answered_at TEXT,
    outcome TEXT,
    correction_reason TEXT,
    referred_by TEXT,
    CHECK (owner IS NOT NULL OR referred_by IS NOT NULL)
) STRICT;
INSERT INTO follow_ups_new (id, contact_id, promise, owner, created_at, due_at, status,
        answered_at, outcome, correction_reason)
    SELECT id, contact_id, promise, owner, created_at, due_at, status, answered_at, outcome,
        correction_reason
    FROM follow_ups;
DROP TABLE follow_ups;
ALTER TABLE follow_ups_new RENAME TO follow_ups;
CREATE INDEX follow_ups_owner ON follow_ups (owner, status, due_at);
CREATE INDEX follow_ups_created_report ON follow_ups
    (created_at, status, answered_at, due_at, owner, contact_id, referred_by);
CREATE INDEX follow_ups_contact ON follow_ups (contact_id);
CREATE INDEX follow_ups_referred_by ON follow_ups (referred_by) WHERE referred_by IS NOT NULL;

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

-- Beatbook store, schema version 17: retention, review and disposal (MoPI, issue 12 item 4).
-- Once shipped, this file never changes.
--
-- The device keeps its copy of the force's retention schedule (the reference record
-- `retention_schedule`, one row) and of the supervisors' decisions to retain a record until a
-- new review date (the synced record `retention_review`, one row per reviewed record, its id
-- "kind:record_id"). With them it applies the schedule offline: what is past its date is
-- dropped from this device (core/src/store/retention).
--
-- Finding what is due or expired is an index range per kind, never a scan of the store: each
-- kind's anchor (the stated time its period runs from) has an index, and the decisions are
-- indexed by kind and date. A contact's personal details are found through a partial index on
-- the contacts that still hold some: `personal_held` says whether a `contact_personal` row
-- exists (kept by the two triggers below), so contacts whose details are gone (never given,
-- redacted, dropped) leave the index.
CREATE TABLE retention_schedule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    review_after_days TEXT NOT NULL, -- JSON object: retained kind -> days
    notice_days INTEGER NOT NULL CHECK (notice_days >= 0)
) STRICT;
CREATE TABLE retention_reviews (
    id TEXT PRIMARY KEY, -- "kind:record_id" (RetentionReview::record_id_for)
    record_kind TEXT NOT NULL
        CHECK (record_kind IN ('contact_personal', 'contact', 'note', 'patrol', 'problem')),
    record_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    review_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
) STRICT;
CREATE INDEX retention_reviews_due ON retention_reviews (record_kind, review_on);

ALTER TABLE contacts ADD COLUMN personal_held INTEGER NOT NULL DEFAULT 0
    CHECK (personal_held IN (0, 1));
UPDATE contacts SET personal_held = 1
WHERE id IN (SELECT contact_id FROM contact_personal);
CREATE TRIGGER contact_personal_held_insert AFTER INSERT ON contact_personal BEGIN
    UPDATE contacts SET personal_held = 1 WHERE id = new.contact_id AND personal_held = 0;
END;
CREATE TRIGGER contact_personal_held_delete AFTER DELETE ON contact_personal BEGIN
    UPDATE contacts SET personal_held = 0 WHERE id = old.contact_id AND personal_held = 1;
END;

CREATE INDEX contacts_personal_anchor ON contacts (occurred_at)
    WHERE personal_held = 1 OR ethnicity IS NOT NULL;
CREATE INDEX notes_created ON notes (created_at);
CREATE INDEX patrols_retention_anchor ON patrols (coalesce(ended_at, started_at));
CREATE INDEX problems_closed ON problems (stage, stage_changed_at);

-- Version 19: the contacts' writer keeps the spatial index (core/migrations/0019_contacts_where_by_writer.sql).
DROP TRIGGER contacts_where_insert;
DROP TRIGGER contacts_where_update;
DROP TRIGGER contacts_where_delete;

-- Store version 20: the full-text index keeps its terms, not a second copy of the text.
--
-- Until now FTS5 stored each indexed title and body in its own content table beside the
-- records that hold the same text: a page more per write, about a tenth of a device's store,
-- and one more copy for an erasure to reach. A contentless index (`content = ''`) with
-- `contentless_delete = 1` (so a record's row can still be deleted by rowid) keeps what search
-- needs — the terms, their positions and the column sizes BM25 ranks by; a hit's title and
-- snippet are built from the record itself (store/search.rs). The rowids, and so
-- `search_docs`, are unchanged.
CREATE VIRTUAL TABLE search_index_terms USING fts5(
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO search_index_terms (rowid, title, body) SELECT rowid, title, body FROM search_index;
DROP TABLE search_index;
ALTER TABLE search_index_terms RENAME TO search_index;

CREATE TABLE contact_nearby_rows (
    contact_row INTEGER NOT NULL,
    earlier_row INTEGER NOT NULL,
    distance_m REAL NOT NULL,
    PRIMARY KEY (contact_row, earlier_row)
) STRICT, WITHOUT ROWID;
INSERT INTO contact_nearby_rows (contact_row, earlier_row, distance_m)
    SELECT c.rowid, e.rowid, n.distance_m
    FROM contact_nearby n
    JOIN contacts c ON c.id = n.contact_id
    JOIN contacts e ON e.id = n.earlier_contact_id;
DROP TABLE contact_nearby;
ALTER TABLE contact_nearby_rows RENAME TO contact_nearby;
CREATE INDEX contact_nearby_earlier ON contact_nearby (earlier_row);

CREATE TABLE audit_actors (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    device_id TEXT NOT NULL,
    UNIQUE (user_id, role, device_id)
) STRICT;
INSERT INTO audit_actors (user_id, role, device_id)
    SELECT user_id, role, device_id FROM audit_log GROUP BY user_id, role, device_id
    ORDER BY min(seq);

CREATE TABLE audit_entries (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN
        ('collection', 'alteration', 'consultation', 'disclosure', 'combination', 'erasure')),
    record_kind TEXT NOT NULL,
    record_id TEXT,
    justification TEXT,
    detail TEXT
) STRICT;
INSERT INTO audit_entries (seq, at, actor, action, record_kind, record_id, justification, detail)
    SELECT l.seq, l.at, a.id, l.action, l.record_kind, l.record_id, l.justification, l.detail
    FROM audit_log l
    JOIN audit_actors a ON a.user_id = l.user_id AND a.role = l.role AND a.device_id = l.device_id
    ORDER BY l.seq;
DROP TABLE audit_log;
CREATE INDEX audit_entries_record ON audit_entries (record_id) WHERE record_id IS NOT NULL;

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_actors_no_update BEFORE UPDATE ON audit_actors
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_actors_no_delete BEFORE DELETE ON audit_actors
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE VIEW audit_log AS
    SELECT e.seq, e.at, a.user_id, a.role, a.device_id, e.action, e.record_kind, e.record_id,
           e.justification, e.detail
    FROM audit_entries e JOIN audit_actors a ON a.id = e.actor;
CREATE TRIGGER audit_log_no_update INSTEAD OF UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete INSTEAD OF DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE sync_skipped (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE outbox_by_place (
    seq INTEGER PRIMARY KEY,
    op_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL -- JSON
) STRICT;
INSERT INTO outbox_by_place (seq, op_id, kind, record_id, op)
    SELECT seq, op_id, kind, record_id, op FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_by_place RENAME TO outbox;
DROP TABLE search_docs;
CREATE TABLE sync_records_by_id (
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (record_id, kind)
) STRICT, WITHOUT ROWID;
DROP TABLE sync_records;
ALTER TABLE sync_records_by_id RENAME TO sync_records;

-- Beatbook store, schema version 27: the s.62 log in fewer bytes.
CREATE TABLE audit_entries_packed (
    seq INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    actor INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action = 'collection' OR action = 'alteration'
        OR action = 'consultation' OR action = 'disclosure' OR action = 'combination'
        OR action = 'erasure'),
    record_kind TEXT NOT NULL,
    record_id ANY CHECK (record_id IS NULL OR typeof(record_id) = 'text'
        OR (typeof(record_id) = 'blob' AND length(record_id) = 16)),
    justification TEXT,
    detail TEXT
) STRICT;
DROP VIEW audit_log;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_packed RENAME TO audit_entries;
CREATE INDEX audit_entries_record ON audit_entries (record_id) WHERE record_id IS NOT NULL;

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE VIEW audit_log AS
    SELECT e.seq,
           strftime('%Y-%m-%dT%H:%M:%S',
                    (e.at_us - ((e.at_us % 1000000) + 1000000) % 1000000) / 1000000,
                    'unixepoch')
             || printf('.%06dZ', ((e.at_us % 1000000) + 1000000) % 1000000) AS at,
           a.user_id, a.role, a.device_id, e.action, e.record_kind,
           CASE WHEN typeof(e.record_id) = 'blob' THEN lower(
                    substr(hex(e.record_id), 1, 8) || '-' ||
                    substr(hex(e.record_id), 9, 4) || '-' ||
                    substr(hex(e.record_id), 13, 4) || '-' ||
                    substr(hex(e.record_id), 17, 4) || '-' ||
                    substr(hex(e.record_id), 21, 12))
                ELSE e.record_id END AS record_id,
           e.justification, e.detail
    FROM audit_entries e JOIN audit_actors a ON a.id = e.actor;
CREATE TRIGGER audit_log_no_update INSTEAD OF UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete INSTEAD OF DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Store version 28: the repeat-location check reads an ordinary index of grid cells by week
-- instead of the R*Tree of version 7 (`contacts_where`).
-- Once shipped, this file never changes.
--
-- Why: inserting into the R*Tree (choosing a leaf and splitting nodes of a three-dimensional
-- tree for every contact) was 11% of a device's time applying pulled contacts, and the tree
-- 7.7 MB of a 100k-contact store at 82% full. The check needs far less: the contacts within 100 m in the 28
-- days before a new one. A B-tree over (week, cell) answers that with one short range per week
-- and row of cells the box crosses (5 weeks by 3 rows for 100 m), each holding only the
-- contacts of one week near that row, so its cost still follows the contacts nearby, not the
-- size of the store (docs/data-model.md "Where contacts are").
--
-- The two keys are virtual generated columns: computed from the row, never stored in it, so
-- SQLite keeps the index in step with every insert, correction and deletion of a contact with
-- no trigger and no second writer.
--   near_week: weeks since 1970-01-01 UTC of `occurred_at`, truncated (the days as version 7
--     computed them, divided by 7).
--   near_cell: latitude row * 1,000,000 + longitude column, in thousandths of a degree from
--     the south pole and the antimeridian (a row is 111 m; a column 54-72 m across the UK).
--     Both offsets are positive, so truncation is the floor, and a box's rows and columns are
--     found by the same arithmetic in `contacts::find_nearby`.
-- A contact without a place has no cell and is left out of the index.
ALTER TABLE contacts ADD COLUMN near_week INTEGER
    GENERATED ALWAYS AS (CAST((julianday(occurred_at) - 2440587.5) / 7 AS INTEGER)) VIRTUAL;
ALTER TABLE contacts ADD COLUMN near_cell INTEGER
    GENERATED ALWAYS AS (CAST((lat + 90) * 1000 AS INTEGER) * 1000000
                         + CAST((lon + 180) * 1000 AS INTEGER)) VIRTUAL;
CREATE INDEX contacts_near ON contacts (near_week, near_cell) WHERE near_cell IS NOT NULL;
DROP TABLE contacts_where;

-- Store version 29: three indexes that no statement reads are dropped — `contacts_recorder`,
-- `contacts_lsoa` and `notes_observed`.
-- Once shipped, this file never changes.
--
-- Why: version 1 made them for screens that now read otherwise. An officer's contacts and
-- notes of the day are read by time (`contacts_occurred_report`) or by author
-- (`notes_author`); contacts are counted by area over a period through the report's covering
-- index, and no query names a recorder or an LSOA of a contact with an equality, nor reads
-- notes by time alone. Every query the core's and the terminal client's tests ran was traced
-- and explained on a version 28 store: none used these three (docs/performance.md §7,
-- "Indexes nothing read"). They cost every contact written about 3 pages (1.6 and 1.4), every
-- note an index entry, and a 100k-contact store 12.2 MB (8.1 and 4.1).
DROP INDEX contacts_recorder;
DROP INDEX contacts_lsoa;
DROP INDEX notes_observed;

-- Beatbook store, schema version 30: the sync state's key in bytes (the rows copied by
-- functions are not part of the schema).
CREATE TABLE sync_records_keyed (
    record_id ANY NOT NULL CHECK (typeof(record_id) = 'text'
        OR (typeof(record_id) = 'blob' AND length(record_id) = 16)),
    kind INTEGER NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (record_id, kind)
) STRICT, WITHOUT ROWID;
DROP TABLE sync_records;
ALTER TABLE sync_records_keyed RENAME TO sync_records;

-- Beatbook store, schema version 31: the s.62 log's events by number (the rows copied are
-- not part of the schema).
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL CHECK (action = 'collection' OR action = 'alteration'
        OR action = 'consultation' OR action = 'disclosure' OR action = 'combination'
        OR action = 'erasure'),
    record_kind TEXT NOT NULL,
    detail TEXT
) STRICT;
CREATE INDEX audit_events_by_text ON audit_events (action, record_kind, detail);

CREATE TABLE audit_entries_by_event (
    seq INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    actor INTEGER NOT NULL,
    event INTEGER NOT NULL,
    record_id ANY CHECK (record_id IS NULL OR typeof(record_id) = 'text'
        OR (typeof(record_id) = 'blob' AND length(record_id) = 16)),
    justification TEXT
) STRICT;
DROP VIEW audit_log;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_by_event RENAME TO audit_entries;
CREATE INDEX audit_entries_record ON audit_entries (record_id) WHERE record_id IS NOT NULL;

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE VIEW audit_log AS
    SELECT e.seq,
           strftime('%Y-%m-%dT%H:%M:%S',
                    (e.at_us - ((e.at_us % 1000000) + 1000000) % 1000000) / 1000000,
                    'unixepoch')
             || printf('.%06dZ', ((e.at_us % 1000000) + 1000000) % 1000000) AS at,
           a.user_id, a.role, a.device_id, v.action, v.record_kind,
           CASE WHEN typeof(e.record_id) = 'blob' THEN lower(
                    substr(hex(e.record_id), 1, 8) || '-' ||
                    substr(hex(e.record_id), 9, 4) || '-' ||
                    substr(hex(e.record_id), 13, 4) || '-' ||
                    substr(hex(e.record_id), 17, 4) || '-' ||
                    substr(hex(e.record_id), 21, 12))
                ELSE e.record_id END AS record_id,
           e.justification, v.detail
    FROM audit_entries e
    JOIN audit_actors a ON a.id = e.actor
    JOIN audit_events v ON v.id = e.event;
CREATE TRIGGER audit_log_no_update INSTEAD OF UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete INSTEAD OF DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- Store version 32: new records are indexed for search in batches, not each in its own commit.
-- Once shipped, this file never changes.
--
-- Why: a contact's commit wrote about five pages of the full-text index (a new FTS5 segment,
-- its doc sizes, its segment index; and the merges of those one-record segments later), a
-- quarter of the pages a contact writes (docs/performance.md §1). Every note, contact, problem
-- and patrol takes its row number from one sequence (store version 25), so the records not yet
-- indexed are exactly those above one row number: `indexed_through`. Records at or below it
-- are in the index as their current text; records above it are not in the index at all, and
-- are indexed from their rows before any search, once 32 of them wait, and at the end of each
-- pulled page (store/search_progress.rs). Every record here now is indexed.
CREATE TABLE search_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_through INTEGER NOT NULL
) STRICT;
INSERT INTO search_progress (id, indexed_through) VALUES (1,
    max(coalesce((SELECT max(rowid) FROM notes), 0),
        coalesce((SELECT max(rowid) FROM contacts), 0),
        coalesce((SELECT max(rowid) FROM problems), 0),
        coalesce((SELECT max(rowid) FROM patrols), 0)));
