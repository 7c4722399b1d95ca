-- The sync server's store, version 2: the server's own audit log (DPA 2018 s.62).
--
-- What the server itself discloses or shows: today, a report exported as CSV (a disclosure).
-- One row per event: who (user, role, device), what (action, what was disclosed: `detail`
-- names the report's period and area, never record values), when. Append-only.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     INTEGER NOT NULL,
    user_id   TEXT,
    role      TEXT NOT NULL,
    device_id TEXT,
    action    TEXT NOT NULL CHECK (action IN
        ('collection', 'alteration', 'consultation', 'disclosure', 'combination', 'erasure')),
    subject   TEXT NOT NULL,
    detail    TEXT
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
