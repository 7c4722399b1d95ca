-- Store version 21: a contact's links to the earlier contacts near it name both contacts by
-- their row number in `contacts`, not by their 36-character ids.
--
-- Why: the links and their reverse index took 42 MB of a recording device's 235 MB at 100k
-- contacts (docs/performance.md §7), two ids of text in each row and again in the index, and
-- the reverse index, written at random places, outgrew the page cache. By row number a link
-- is about a fifth of the bytes. A contact's row number is already what the spatial index
-- (`contacts_where`, version 7) keys on: no statement replaces a contact row (the writer
-- upserts) and a rebuild of `contacts` keeps its row numbers (migration 0016).
--
-- The links no longer cascade by foreign key (a row number cannot be a parent key): the one
-- function that takes a contact off the spatial index before its row is deleted takes its
-- links, both ways, with it (store/contacts.rs, `unplace_contact`).
CREATE TABLE contact_nearby_rows (
    contact_row INTEGER NOT NULL,
    earlier_row INTEGER NOT NULL,
    distance_m REAL NOT NULL,
    PRIMARY KEY (contact_row, earlier_row)
) STRICT, WITHOUT ROWID;
INSERT INTO contact_nearby_rows (contact_row, earlier_row, distance_m)
    SELECT c.rowid, e.rowid, n.distance_m
    FROM contact_nearby n
    JOIN contacts c ON c.id = n.contact_id
    JOIN contacts e ON e.id = n.earlier_contact_id;
DROP TABLE contact_nearby;
ALTER TABLE contact_nearby_rows RENAME TO contact_nearby;
CREATE INDEX contact_nearby_earlier ON contact_nearby (earlier_row);
