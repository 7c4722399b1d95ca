-- The sync server's store, version 8: a problem's analysis triangle is six corner fields
-- (triangle_offender … triangle_manager), not one `triangle` field, so that concurrent edits
-- of different corners both survive (docs/sync-protocol.md, "Problem triangle").
--
-- No table changes. Stored problems are rewritten by the Rust step
-- `storage::triangle_corners` (run in this migration's transaction): each corner takes the
-- triangle's value for its side and the triangle's clock, as devices' migration 0012 does.
SELECT 1;
