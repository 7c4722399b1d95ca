-- Store version 22: the device's s.62 log keeps who acted once per actor, not once per entry.
--
-- Why: at 100k contacts the log was the largest table of a recording device (42 MB for 214k
-- entries, plus 12 MB of index; docs/performance.md §7). Each entry spelled out its user's and
-- device's ids (72 characters) and role, though a device's log names a handful of actors;
-- `AUTOINCREMENT` wrote `sqlite_sequence` on every entry (a page per write); and the index on
-- (record_kind, record_id) was no use to the one query that reads by record, which names only
-- the id.
--
-- Now: `audit_actors` holds each (user, role, device) once; `audit_entries` names its actor by
-- number. Entries are never deleted (triggers), so a plain INTEGER PRIMARY KEY numbers them
-- as AUTOINCREMENT did: from 1, without gaps, never reused. `audit_log` becomes a view with
-- the old columns, so every reader (and an auditor at a SQL prompt) sees the log as before;
-- updates and deletes through it are refused with the same words as before.
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
