-- Store version 29: three indexes that no statement reads are dropped — `contacts_recorder`,
-- `contacts_lsoa` and `notes_observed`.
-- Once shipped, this file never changes.
--
-- Why: version 1 made them for screens that now read otherwise. An officer's contacts and
-- notes of the day are read by time (`contacts_occurred_report`) or by author
-- (`notes_author`); contacts are counted by area over a period through the report's covering
-- index, and no query names a recorder or an LSOA of a contact with an equality, nor reads
-- notes by time alone. Every query the core's and the terminal client's tests ran was traced
-- and explained on a version 28 store: none used these three (docs/performance.md §7,
-- "Indexes nothing read"). They cost every contact written about 3 pages (1.6 and 1.4), every
-- note an index entry, and a 100k-contact store 12.2 MB (8.1 and 4.1).
DROP INDEX contacts_recorder;
DROP INDEX contacts_lsoa;
DROP INDEX notes_observed;
