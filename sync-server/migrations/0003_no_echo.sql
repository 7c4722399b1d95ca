-- The sync server's store, version 3: changes a device need not receive back.
--
-- `echo_device` is the device whose push made a record's latest change *over the state that
-- device already held* (its pull cursor had passed the record's previous change, or that
-- change was its own), without conflicts: the record is then exactly what the device has, and
-- its pulls leave it out. Any other change sets it back to NULL. See
-- docs/sync-protocol.md#no-echo.
ALTER TABLE records ADD COLUMN echo_device TEXT;
