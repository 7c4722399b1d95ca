-- Store version 28: the repeat-location check reads an ordinary index of grid cells by week
-- instead of the R*Tree of version 7 (`contacts_where`).
-- Once shipped, this file never changes.
--
-- Why: inserting into the R*Tree (choosing a leaf and splitting nodes of a three-dimensional
-- tree for every contact) was 11% of a device's time applying pulled contacts, and the tree
-- 7.7 MB of a 100k-contact store at 82% full. The check needs far less: the contacts within 100 m in the 28
-- days before a new one. A B-tree over (week, cell) answers that with one short range per week
-- and row of cells the box crosses (5 weeks by 3 rows for 100 m), each holding only the
-- contacts of one week near that row, so its cost still follows the contacts nearby, not the
-- size of the store (docs/data-model.md "Where contacts are").
--
-- The two keys are virtual generated columns: computed from the row, never stored in it, so
-- SQLite keeps the index in step with every insert, correction and deletion of a contact with
-- no trigger and no second writer.
--   near_week: weeks since 1970-01-01 UTC of `occurred_at`, truncated (the days as version 7
--     computed them, divided by 7).
--   near_cell: latitude row * 1,000,000 + longitude column, in thousandths of a degree from
--     the south pole and the antimeridian (a row is 111 m; a column 54-72 m across the UK).
--     Both offsets are positive, so truncation is the floor, and a box's rows and columns are
--     found by the same arithmetic in `contacts::find_nearby`.
-- A contact without a place has no cell and is left out of the index.
ALTER TABLE contacts ADD COLUMN near_week INTEGER
    GENERATED ALWAYS AS (CAST((julianday(occurred_at) - 2440587.5) / 7 AS INTEGER)) VIRTUAL;
ALTER TABLE contacts ADD COLUMN near_cell INTEGER
    GENERATED ALWAYS AS (CAST((lat + 90) * 1000 AS INTEGER) * 1000000
                         + CAST((lon + 180) * 1000 AS INTEGER)) VIRTUAL;
CREATE INDEX contacts_near ON contacts (near_week, near_cell) WHERE near_cell IS NOT NULL;
DROP TABLE contacts_where;
