-- Version 2: op ids are scoped to the device that made them (the SQLite store's 0005 says
-- why). The de-duplication key becomes (device, op id); every row is kept.
ALTER TABLE applied_ops DROP CONSTRAINT applied_ops_pkey;
ALTER TABLE applied_ops ADD PRIMARY KEY (device_id, op_id);
