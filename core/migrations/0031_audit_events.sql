-- Store version 31: the s.62 log names what happened by number — each distinct (action, record
-- kind, detail) once, in `audit_events`, as version 22 did for who acted (`audit_actors`).
--
-- Why: a recording device keeps every entry it ever wrote, about two for each contact, and
-- each spelled out its action ("collection"), its record kind ("contact") and a detail
-- ("no personal details", "linked to 2 earlier contact(s) nearby"): 40 of an entry's 80 bytes,
-- the same few texts over and over — about 8 MB of a 131 MB recording device after 100k
-- contacts (docs/performance.md §7 "The log's events by number"). Details are non-personal
-- by rule (store/audit.rs) and come from a short list of phrasings, so they repeat; a
-- justification is typed by a person and stays in its entry.
--
-- `audit_log`, the view for people and tools reading the file, shows every entry as before.
-- Events are part of the log: append-only, like the entries and the actors.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL CHECK (action = 'collection' OR action = 'alteration'
        OR action = 'consultation' OR action = 'disclosure' OR action = 'combination'
        OR action = 'erasure'),
    record_kind TEXT NOT NULL,
    detail TEXT
) STRICT;
-- Looked up with `detail IS ?`, so an event without detail is found too (a UNIQUE constraint
-- would let NULL details repeat; the writer looks before it adds).
CREATE INDEX audit_events_by_text ON audit_events (action, record_kind, detail);
-- The old entries keep their rows until they have moved (`store::upgrades::log_events`): its
-- index's name is the new table's, so it goes first, without zeroing its pages (every entry it
-- names is still in the log); the new table is indexed before its rows arrive, and they move a
-- batch at a time, so no statement holds the whole log in memory (`sql_batches`).
DROP VIEW audit_log;
ALTER TABLE audit_entries RENAME TO audit_entries_v30;
-- @step: store::upgrades::log_events::drop_old_index
CREATE TABLE audit_entries (
    seq INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    actor INTEGER NOT NULL,
    event INTEGER NOT NULL,
    record_id ANY CHECK (record_id IS NULL OR typeof(record_id) = 'text'
        OR (typeof(record_id) = 'blob' AND length(record_id) = 16)),
    justification TEXT
) STRICT;
CREATE INDEX audit_entries_record ON audit_entries (record_id) WHERE record_id IS NOT NULL;
-- @step: store::upgrades::log_events::move_entries

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
