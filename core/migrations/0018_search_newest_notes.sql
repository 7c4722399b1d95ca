-- The device store, version 18 (no schema change): search finds the newest note of a chain of
-- corrections, as lists show it. Notes amended before this version were still in the search
-- index; they leave it here. They stay readable by id and in the note's history; the writer
-- (`store::notes::write_note`) keeps the index this way from now on.
DELETE FROM search_index WHERE rowid IN (
    SELECT d.rowid FROM search_docs d
    WHERE d.record_kind = 'note'
      AND EXISTS (SELECT 1 FROM notes newer WHERE newer.amends = d.record_id)
);
DELETE FROM search_docs
WHERE record_kind = 'note'
  AND EXISTS (SELECT 1 FROM notes newer WHERE newer.amends = search_docs.record_id);
