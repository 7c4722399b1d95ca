-- Store version 24: the outbox without its index of op ids.
--
-- Why: every recorded change wrote an entry of that index (1.4 of the ~31 pages a contact's
-- commit writes, docs/performance.md §1), and the one reader it served was the push answer,
-- applied op by op by id. The push now clears answered ops by their place in the outbox,
-- consecutive places in one range (store/device_sync/push_answers.rs), so nothing looks an op
-- up by id. Op ids stay unique by construction (UUID v7, made once per op).
CREATE TABLE outbox_by_place (
    seq INTEGER PRIMARY KEY,
    op_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL -- JSON
) STRICT;
INSERT INTO outbox_by_place (seq, op_id, kind, record_id, op)
    SELECT seq, op_id, kind, record_id, op FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_by_place RENAME TO outbox;
