-- Version 18: the s.62 log names what happened by number — each distinct (operation, record
-- kind, detail) once, in `audit_events`, as version 12 did for who acted (`audit_actors`).
--
-- Why: every device hands in its own log, about two entries for each contact it records, and
-- each entry spelled out its operation ("collection"), its record kind ("contact") and a
-- detail ("no personal details", "linked to 2 earlier contact(s) nearby"): the same few texts
-- over and over, about a third of the log's bytes (docs/performance.md §7 "The log's events by
-- number"). Details are non-personal by rule and come from a short list of phrasings; a
-- justification or a recipient is written by a person and stays in its entry.
--
-- The chain is unchanged: each entry's hash covers the same text as before
-- (`storage::audit_chain`), and the `audit_chain` view, which `admin verify` and people reading
-- the file use, shows every entry as before. Events are part of the log: append-only too.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    operation   TEXT NOT NULL CHECK (operation = 'collection' OR operation = 'alteration'
        OR operation = 'consultation' OR operation = 'disclosure'
        OR operation = 'combination' OR operation = 'erasure'),
    record_kind TEXT NOT NULL,
    detail      TEXT
);
-- Looked up with `detail IS ?`, so an event without detail is found too (a UNIQUE constraint
-- would let NULL details repeat; the writer looks before it adds).
CREATE INDEX audit_events_by_text ON audit_events (operation, record_kind, detail);
INSERT INTO audit_events (operation, record_kind, detail)
    SELECT DISTINCT operation, record_kind, detail FROM audit_entries ORDER BY 1, 2, 3;

CREATE TABLE audit_entries_by_event (
    seq           INTEGER PRIMARY KEY,
    at_ms         INTEGER NOT NULL,
    actor         INTEGER NOT NULL REFERENCES audit_actors (id),
    event         INTEGER NOT NULL REFERENCES audit_events (id),
    record_id     TEXT,
    justification TEXT,
    recipient     TEXT,
    hash          BLOB NOT NULL
);
INSERT INTO audit_entries_by_event
    (seq, at_ms, actor, event, record_id, justification, recipient, hash)
    SELECT e.seq, e.at_ms, e.actor, v.id, e.record_id, e.justification, e.recipient, e.hash
    FROM audit_entries e
    JOIN audit_events v
      ON v.operation = e.operation AND v.record_kind = e.record_kind AND v.detail IS e.detail
    ORDER BY e.seq;
DROP VIEW audit_chain;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_by_event RENAME TO audit_entries;
CREATE INDEX audit_entries_actor ON audit_entries (actor, seq);
CREATE INDEX audit_entries_record ON audit_entries (record_id, seq) WHERE record_id IS NOT NULL;
CREATE INDEX audit_entries_time ON audit_entries (at_ms);

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

CREATE VIEW audit_chain AS
    SELECT e.seq, e.at_ms, a.user_id, a.role, a.device_id, v.operation, v.record_kind,
           CASE WHEN typeof(e.record_id) = 'blob' THEN lower(
                    substr(hex(e.record_id), 1, 8) || '-' ||
                    substr(hex(e.record_id), 9, 4) || '-' ||
                    substr(hex(e.record_id), 13, 4) || '-' ||
                    substr(hex(e.record_id), 17, 4) || '-' ||
                    substr(hex(e.record_id), 21, 12))
                ELSE e.record_id END AS record_id,
           e.justification, e.recipient, v.detail,
           ifnull((SELECT p.hash FROM audit_entries p WHERE p.seq = e.seq - 1),
                  zeroblob(32)) AS prev_hash,
           e.hash
    FROM audit_entries e
    JOIN audit_actors a ON a.id = e.actor
    JOIN audit_events v ON v.id = e.event;
