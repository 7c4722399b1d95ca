-- The sync server's store, version 5: one s.62 log (DPA 2018) for everything the server does
-- with records that hold or name people, as a hash chain (storage/audit_chain.rs).
--
-- Each entry: when (Unix ms, UTC), who (user, role, device), the operation (collection,
-- alteration, consultation, disclosure, combination, erasure), what (record kind and id),
-- why (justification), to whom (recipient, for a disclosure) and non-personal detail (field
-- names, counts, a report's period). Metadata only, never a record's values.
--
-- `prev_hash` is the hash of the entry before (32 zero bytes for the first), `hash` the
-- SHA-256 of this entry's canonical encoding, seq and prev_hash included: `admin audit verify`
-- names the first entry edited, removed or reordered. Append-only by trigger as well.
--
-- The version-2 `audit_log` (report exports, web consultations) is copied into the chain in
-- order by the Rust step `audit::adopt_legacy`, run in this migration's transaction, which
-- then drops it.
CREATE TABLE audit_chain (
    seq           INTEGER PRIMARY KEY,
    at_ms         INTEGER NOT NULL,
    user_id       TEXT,
    role          TEXT NOT NULL,
    device_id     TEXT,
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

-- `admin audit` filters by user, record and period.
CREATE INDEX audit_chain_user ON audit_chain (user_id, seq);
CREATE INDEX audit_chain_record ON audit_chain (record_id, seq) WHERE record_id IS NOT NULL;
CREATE INDEX audit_chain_time ON audit_chain (at_ms);

CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
