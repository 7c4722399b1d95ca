-- Store version 27: the device's s.62 log in fewer bytes.
--
-- Why: a recording device keeps every entry it ever wrote (the law asks for the log; nothing
-- recorded is lost), about two for each contact recorded, and at 100k contacts the log and its
-- index by record were a fifth of the store (docs/performance.md §7). Each entry held its time
-- as 27 characters of text and its record id as 36. Now:
-- - `at_us` is the time in whole microseconds since the Unix epoch, UTC (what the text held:
--   `store::sql_time` keeps microseconds), 8 bytes;
-- - a record id that is a UUID in its canonical text is kept as its 16 bytes, in the table and
--   in `audit_entries_record`; any other id stays text (`logged_record_id`, the rule the sync
--   server's log uses too). Readers give back the same text.
-- - the operation's CHECK compares in place (`=` joined by `OR`): SQLite builds a temporary
--   B-tree for an `IN` list of three or more constants each time the statement runs, in a
--   CHECK on every entry written.
-- `audit_log`, the view for people and tools reading the file, shows the time and the id as
-- text, as before.
--
-- `beatbook_time_micros(text)` and `beatbook_logged_record_id(text)` are functions the store
-- registers before migrating (`store/migration_functions.rs`).
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
INSERT INTO audit_entries_packed
    (seq, at_us, actor, action, record_kind, record_id, justification, detail)
    SELECT seq, beatbook_time_micros(at), actor, action, record_kind,
           beatbook_logged_record_id(record_id), justification, detail
    FROM audit_entries ORDER BY seq;
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
