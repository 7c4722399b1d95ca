-- The sync server's store, version 10: each record's values packed (storage/packed_values.rs).
--
-- `records.field_values` held the plain JSON object of the record's values, every field name
-- spelled in every row: most of the store. From this version it holds those bytes deflated
-- after a fixed dictionary of the record kinds' field names (a blob whose first byte names the
-- dictionary), about a third of the size for a contact. Rows in the plain form stay readable;
-- the Rust step `migrations::pack_values`, run in this migration's transaction, packs every
-- existing row, so a store upgraded in place is as small as a new one. No schema change.
SELECT 1;
