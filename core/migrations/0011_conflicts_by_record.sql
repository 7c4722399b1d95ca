-- Beatbook store, schema version 11: conflicts found by the record they are about, so that
-- erasing a record pulled from the server also removes the conflicts holding copies of its
-- values without scanning every conflict (docs/security.md, "Redaction and erasure").
-- Once shipped, this file never changes.
CREATE INDEX conflicts_record ON conflicts (record_id);
