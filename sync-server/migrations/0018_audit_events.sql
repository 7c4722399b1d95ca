-- Version 18: the s.62 log names what happened by number — each distinct (operation, record
-- kind, detail around its number) once, in `audit_events`, as version 12 did for who acted
-- (`audit_actors`) — and keeps the number the detail carries in the entry.
--
-- Why: every device hands in its own log, about two entries for each contact it records, and
-- the server kept each as operation ("collection"), record kind ("contact") and detail
-- ("device log entry 10452: no personal details"), and each disclosure to a device as "pull,
-- seq 88213": the same few texts over and over, with a number that is the entry's own. Kept
-- whole, such a detail cannot be shared (an event a detail made the store bigger:
-- docs/performance.md §7); split around its first number (`storage::sqlite::log_detail`), the
-- text either side is one of a handful of events and the number a few bytes in the entry.
-- Details are non-personal by rule; a justification or a recipient is written or chosen per
-- entry and stays in it.
--
-- The chain is unchanged: each entry's hash covers the same text as before
-- (`storage::audit_chain`); the `audit_chain` view, which `admin verify` and people reading
-- the file use, gives every entry as before (`head || number || tail`). Events are part of
-- the log: append-only too.
--
-- The entries move to the new table one statement each, split by the Rust split
-- (`storage::sqlite::upgrades::log_events`), the old table's pages freed without zeroing
-- them: a single statement that copied, indexed or dropped the whole log kept every page it
-- touched, or every key it sorted, in memory until it ended (760 MB at a million records).
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    operation   TEXT NOT NULL CHECK (operation = 'collection' OR operation = 'alteration'
        OR operation = 'consultation' OR operation = 'disclosure'
        OR operation = 'combination' OR operation = 'erasure'),
    record_kind TEXT NOT NULL,
    -- The detail before its number, or the whole detail when it has none (NULL: no detail).
    detail_head TEXT,
    -- The detail after its number; NULL when the detail has no number (the entry's
    -- `detail_number` is NULL then too).
    detail_tail TEXT,
    CHECK (detail_head IS NOT NULL OR detail_tail IS NULL)
);
-- Looked up with `IS`, so an event without detail or without number is found too (a UNIQUE
-- constraint would let NULLs repeat; the writer looks before it adds).
CREATE INDEX audit_events_by_text ON audit_events (operation, record_kind, detail_head, detail_tail);
-- The old entries keep their rows until they have moved; their indexes' names are the new
-- table's, so they go first (a Rust step: their pages are freed without zeroing, as every row
-- they index is still in the log).
DROP VIEW audit_chain;
ALTER TABLE audit_entries RENAME TO audit_entries_v17;
-- @step: upgrades::log_events::drop_old_indexes
CREATE TABLE audit_entries (
    seq           INTEGER PRIMARY KEY,
    at_ms         INTEGER NOT NULL,
    actor         INTEGER NOT NULL REFERENCES audit_actors (id),
    event         INTEGER NOT NULL REFERENCES audit_events (id),
    record_id     TEXT,
    justification TEXT,
    recipient     TEXT,
    detail_number INTEGER,
    hash          BLOB NOT NULL
);
CREATE INDEX audit_entries_actor ON audit_entries (actor, seq);
CREATE INDEX audit_entries_record ON audit_entries (record_id, seq) WHERE record_id IS NOT NULL;
CREATE INDEX audit_entries_time ON audit_entries (at_ms);

-- Each event named once, then the entries moved in order of seq, a batch at a time; the old
-- table dropped.
-- @step: upgrades::log_events::move_entries

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
           e.justification, e.recipient,
           CASE WHEN v.detail_tail IS NULL THEN v.detail_head
                ELSE v.detail_head || e.detail_number || v.detail_tail END AS detail,
           ifnull((SELECT p.hash FROM audit_entries p WHERE p.seq = e.seq - 1),
                  zeroblob(32)) AS prev_hash,
           e.hash
    FROM audit_entries e
    JOIN audit_actors a ON a.id = e.actor
    JOIN audit_events v ON v.id = e.event;
