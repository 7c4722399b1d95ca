-- The sync server's store, version 4: a record's values and clocks apart, the clocks compact.
--
-- `fields` held every field as {"value": …, "hlc": "<62-character clock>"}: about 4 KB a
-- contact on disk, most of it clock text repeated per field. Now `field_values` is the plain
-- JSON object of the record's values ({name: value}) and `clocks` the field clocks in the
-- compact form devices store (core/src/sync/record_clocks.rs: each distinct clock once, field
-- names by number). The conversion of existing rows is the Rust step
-- `sync-server/src/storage/sqlite/compact_records.rs`, run in this migration's transaction,
-- which then drops `fields`. x'010000' is the empty clock set (format 1, no clocks, no fields).
ALTER TABLE records ADD COLUMN field_values TEXT NOT NULL DEFAULT '{}';
ALTER TABLE records ADD COLUMN clocks BLOB NOT NULL DEFAULT x'010000';
