-- The sync server's store, version 5: op ids are scoped to the device that made them.
--
-- Until now `applied_ops` was keyed by op id alone, across every device: a device that reused
-- another device's op id (a buggy or hostile client) made that device's later op a
-- `duplicate`, and its record was never created. The de-duplication key is now
-- (device, op id): a device's retry is still `duplicate`, another device's op never is.
-- `device_id` is '' for changes the server makes itself. Forward-only: every row is kept.
CREATE TABLE applied_ops_by_device (
    device_id   TEXT NOT NULL,
    op_id       TEXT NOT NULL,
    seq         INTEGER,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, op_id)
) WITHOUT ROWID;

INSERT INTO applied_ops_by_device (device_id, op_id, seq, received_at)
    SELECT device_id, op_id, seq, received_at FROM applied_ops;

DROP TABLE applied_ops;
ALTER TABLE applied_ops_by_device RENAME TO applied_ops;
