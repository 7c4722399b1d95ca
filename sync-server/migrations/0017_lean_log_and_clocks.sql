-- Version 17: the s.62 log without the bytes it can work out, and record clocks in their
-- second form.
--
-- 1. `audit_entries.prev_hash` is gone. It was always the hash of the entry before (32 zero
--    bytes for the first), stored again beside it: 32 bytes of every entry. The chain is
--    unchanged — each entry's hash still covers the hash before it (`storage::audit_chain`,
--    encoding version 1) — and the verifier carries the hash it has just checked instead of
--    reading a stored copy. The `audit_chain` view gives `prev_hash` as the stored entry
--    before's hash, for people and tools reading the file.
-- 2. A record id in the log that is a UUID in its canonical text (lower case, hyphens) is kept
--    as its 16 bytes instead of 36 characters, in the table and in `audit_entries_record`;
--    any other id stays text. The view, and every reader, give it back as the same text, which
--    is what the hash covers.
-- 3. Records' clocks are rewritten in their second form (`beatbook_core::sync::RecordClocks`,
--    `encode_v2`: one bitmap of the vocabulary's fields instead of a number per field) by the
--    migration's Rust step; readers take both forms. An older server refuses this store by its
--    version rather than misreading the clocks.
--
-- Measured at 100k contacts: docs/performance.md §7 "A leaner s.62 log on both sides".
DROP VIEW audit_chain;
DROP TRIGGER audit_entries_no_update;

ALTER TABLE audit_entries DROP COLUMN prev_hash;

UPDATE audit_entries
SET record_id = unhex(replace(record_id, '-', ''))
WHERE typeof(record_id) = 'text'
  AND length(record_id) = 36
  AND record_id = lower(
        substr(hex(unhex(replace(record_id, '-', ''))), 1, 8) || '-' ||
        substr(hex(unhex(replace(record_id, '-', ''))), 9, 4) || '-' ||
        substr(hex(unhex(replace(record_id, '-', ''))), 13, 4) || '-' ||
        substr(hex(unhex(replace(record_id, '-', ''))), 17, 4) || '-' ||
        substr(hex(unhex(replace(record_id, '-', ''))), 21, 12));

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE VIEW audit_chain AS
    SELECT e.seq, e.at_ms, a.user_id, a.role, a.device_id, e.operation, e.record_kind,
           CASE WHEN typeof(e.record_id) = 'blob' THEN lower(
                    substr(hex(e.record_id), 1, 8) || '-' ||
                    substr(hex(e.record_id), 9, 4) || '-' ||
                    substr(hex(e.record_id), 13, 4) || '-' ||
                    substr(hex(e.record_id), 17, 4) || '-' ||
                    substr(hex(e.record_id), 21, 12))
                ELSE e.record_id END AS record_id,
           e.justification, e.recipient, e.detail,
           ifnull((SELECT p.hash FROM audit_entries p WHERE p.seq = e.seq - 1),
                  zeroblob(32)) AS prev_hash,
           e.hash
    FROM audit_entries e
    JOIN audit_actors a ON a.id = e.actor;
