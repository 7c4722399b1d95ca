-- Version 12: the s.62 log keeps each actor once. Every entry spelled out its user's and
-- device's ids (36 characters each) and its role: 80 of an entry's ~270 bytes, and the whole of
-- its index by user, repeated on every one of the hundreds of thousands of entries a team's
-- devices ship. An actor (user, role, device) is now a row of `audit_actors`, and each entry
-- names it by number. The entries, their order, their hashes and the chain are unchanged:
-- `audit_chain` becomes a view with the old columns, which is what every reader reads, and the
-- hash still covers the actor's ids as text (`storage::audit_chain`).

CREATE TABLE audit_actors (
    id        INTEGER PRIMARY KEY,
    user_id   TEXT,
    role      TEXT NOT NULL,
    device_id TEXT
);
-- One row per actor; absent ids compare as '' so that an actor without a user is one row too.
CREATE UNIQUE INDEX audit_actors_who
    ON audit_actors (ifnull(user_id, ''), role, ifnull(device_id, ''));
CREATE INDEX audit_actors_user ON audit_actors (user_id);

CREATE TABLE audit_entries (
    seq           INTEGER PRIMARY KEY,
    at_ms         INTEGER NOT NULL,
    actor         INTEGER NOT NULL REFERENCES audit_actors (id),
    operation     TEXT NOT NULL CHECK (operation IN
        ('collection', 'alteration', 'consultation', 'disclosure', 'combination', 'erasure')),
    record_kind   TEXT NOT NULL,
    record_id     TEXT,
    justification TEXT,
    recipient     TEXT,
    detail        TEXT,
    prev_hash     BLOB NOT NULL,
    hash          BLOB NOT NULL
);

-- Actors numbered in the order they first appear in the log.
INSERT OR IGNORE INTO audit_actors (user_id, role, device_id)
    SELECT user_id, role, device_id FROM audit_chain ORDER BY seq;

INSERT INTO audit_entries (seq, at_ms, actor, operation, record_kind, record_id, justification,
                           recipient, detail, prev_hash, hash)
    SELECT c.seq, c.at_ms, a.id, c.operation, c.record_kind, c.record_id, c.justification,
           c.recipient, c.detail, c.prev_hash, c.hash
    FROM audit_chain c
    JOIN audit_actors a
      ON ifnull(a.user_id, '') = ifnull(c.user_id, '')
     AND a.role = c.role
     AND ifnull(a.device_id, '') = ifnull(c.device_id, '')
    ORDER BY c.seq;

DROP TRIGGER audit_chain_no_update;
DROP TRIGGER audit_chain_no_delete;
DROP TABLE audit_chain;

CREATE INDEX audit_entries_actor ON audit_entries (actor, seq);
CREATE INDEX audit_entries_record ON audit_entries (record_id, seq) WHERE record_id IS NOT NULL;
CREATE INDEX audit_entries_time ON audit_entries (at_ms);

CREATE VIEW audit_chain AS
    SELECT e.seq, e.at_ms, a.user_id, a.role, a.device_id, e.operation, e.record_kind,
           e.record_id, e.justification, e.recipient, e.detail, e.prev_hash, e.hash
    FROM audit_entries e
    JOIN audit_actors a ON a.id = e.actor;

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- An actor is part of every entry that names it: as append-only as the entries.
CREATE TRIGGER audit_actors_no_update BEFORE UPDATE ON audit_actors
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_actors_no_delete BEFORE DELETE ON audit_actors
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
