-- Version 14: the retention index's two range indexes hold only the rows their ranges can
-- return. `retention_by_until` held every held row, though only a record someone decided to
-- retain has a date in it (none, for most of a store); `retention_by_anchor` held children
-- (follow-ups, steps, requests), which have no anchor of their own and are disposed of with
-- their parent. A query's `anchor_ms <= ?` or `retained_until_ms <= ?` implies the column is not
-- NULL, so SQLite still uses the narrower index for exactly the same ranges
-- (`sqlite/retention.rs` checks the plans).
DROP INDEX retention_by_anchor;
CREATE INDEX retention_by_anchor ON retention_index (kind, anchor_ms)
    WHERE held = 1 AND retained_until_ms IS NULL AND anchor_ms IS NOT NULL;
DROP INDEX retention_by_until;
CREATE INDEX retention_by_until ON retention_index (kind, retained_until_ms)
    WHERE held = 1 AND retained_until_ms IS NOT NULL;
