-- Store version 32: new records are indexed for search in batches, not each in its own commit.
-- Once shipped, this file never changes.
--
-- Why: a contact's commit wrote about five pages of the full-text index (a new FTS5 segment,
-- its doc sizes, its segment index; and the merges of those one-record segments later), a
-- quarter of the pages a contact writes (docs/performance.md §1). Every note, contact, problem
-- and patrol takes its row number from one sequence (store version 25), so the records not yet
-- indexed are exactly those above one row number: `indexed_through`. Records at or below it
-- are in the index as their current text; records above it are not in the index at all, and
-- are indexed from their rows before any search, once 32 of them wait, and at the end of each
-- pulled page (store/search_progress.rs). Every record here now is indexed.
CREATE TABLE search_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_through INTEGER NOT NULL
) STRICT;
INSERT INTO search_progress (id, indexed_through) VALUES (1,
    max(coalesce((SELECT max(rowid) FROM notes), 0),
        coalesce((SELECT max(rowid) FROM contacts), 0),
        coalesce((SELECT max(rowid) FROM problems), 0),
        coalesce((SELECT max(rowid) FROM patrols), 0)));
