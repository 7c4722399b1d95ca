-- Store version 20: the full-text index keeps its terms, not a second copy of the text.
--
-- Until now FTS5 stored each indexed title and body in its own content table beside the
-- records that hold the same text: a page more per write, about a tenth of a device's store,
-- and one more copy for an erasure to reach. A contentless index (`content = ''`) with
-- `contentless_delete = 1` (so a record's row can still be deleted by rowid) keeps what search
-- needs — the terms, their positions and the column sizes BM25 ranks by; a hit's title and
-- snippet are built from the record itself (store/search.rs). The rowids, and so
-- `search_docs`, are unchanged.
CREATE VIRTUAL TABLE search_index_terms USING fts5(
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO search_index_terms (rowid, title, body) SELECT rowid, title, body FROM search_index;
DROP TABLE search_index;
ALTER TABLE search_index_terms RENAME TO search_index;
