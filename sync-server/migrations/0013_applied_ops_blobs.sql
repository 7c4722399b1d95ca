-- Version 13: an applied op's device and op id as their 16 bytes, not 36 characters of text
-- each. `applied_ops` gains a row for every op ever pushed (it is how a resent op is answered
-- `duplicate`), so its key was ~75 of its ~90 bytes a row. A server-made change (no device) is
-- keyed by the empty blob, as it was by the empty text.
CREATE TABLE applied_ops_packed (
    device_id   BLOB NOT NULL,
    op_id       BLOB NOT NULL,
    seq         INTEGER,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, op_id)
) WITHOUT ROWID;

INSERT INTO applied_ops_packed (device_id, op_id, seq, received_at)
    SELECT unhex(replace(device_id, '-', '')), unhex(replace(op_id, '-', '')), seq, received_at
    FROM applied_ops;

DROP TABLE applied_ops;
ALTER TABLE applied_ops_packed RENAME TO applied_ops;
