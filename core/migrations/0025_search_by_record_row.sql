-- Store version 25: search rows numbered by their records' rows; `search_docs` dropped.
--
-- Why: `search_docs` mapped each full-text row to a record by its 36-character id, in a table
-- and a unique index of its own: two more B-trees written with every note, contact, problem
-- and patrol, and 9.4 MB of a 143 MB device store at 100k contacts (docs/performance.md §7).
-- A search row is now the record's row number with its kind in the low bits
-- (store/search.rs, `search_row`), so a hit names its record without a lookup table.
--
-- The index keeps no copy of the text (version 20), so its rows cannot be renumbered here:
-- this empties it, and the upgrade then indexes every searchable record again from its own
-- row, with the code that indexes a record when it is written (store/search_rebuild.rs), after
-- the last migration has run.
DROP TABLE search_docs;
INSERT INTO search_index (search_index) VALUES ('delete-all');
