-- Version 5: a problem's analysis triangle is six corner fields, not one `triangle` field (the
-- SQLite store's 0008 says why). No table changes: stored problems are rewritten by the Rust
-- step `storage::triangle_corners`, in this migration's transaction.
SELECT 1;
