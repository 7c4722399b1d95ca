-- The sync server's store on PostgreSQL, version 2: the s.62 log as a hash chain, the same
-- table as the SQLite store's 0005_audit_chain.sql (see it for the columns), in PostgreSQL's
-- types. Appends are serialised by a transaction-scoped advisory lock (postgres/audit.rs).
-- The version-1 `audit_log` is copied into the chain by the Rust step `audit::adopt_legacy`
-- in this migration's transaction, which then drops it.
CREATE TABLE audit_chain (
    seq           BIGINT PRIMARY KEY,
    at_ms         BIGINT NOT NULL,
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
    prev_hash     BYTEA NOT NULL,
    hash          BYTEA NOT NULL
);

CREATE INDEX audit_chain_user ON audit_chain (user_id, seq);
CREATE INDEX audit_chain_record ON audit_chain (record_id, seq) WHERE record_id IS NOT NULL;
CREATE INDEX audit_chain_time ON audit_chain (at_ms);

CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
