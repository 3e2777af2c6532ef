-- Objects gain what organization-like resources need, as in SQLite's 0002:
-- a text and a number to order by (ObjectQuery.OrderBy sort_key,
-- sort_num), and text to search (ObjectQuery.Query). Existing objects get
-- '' and 0. Text is in the "C" collation, as everywhere: byte order.
--
-- search is Object.Search as given, read back; search_lower is the same
-- text lower-cased by Go, which a query, lower-cased by Go too, matches
-- with LIKE (as users.search), so that both backends agree on case.
ALTER TABLE objects ADD COLUMN sort_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN sort_num BIGINT NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN search TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN search_lower TEXT COLLATE "C" NOT NULL DEFAULT '';

-- One index per new order, with the ID as tie-break, read forwards or
-- backwards, for the objects of a kind.
CREATE INDEX objects_sort_key ON objects (kind, sort_key, id);
CREATE INDEX objects_sort_num ON objects (kind, sort_num, id);
-- DeleteObjectsByRef deletes the objects of every kind with a reference.
CREATE INDEX objects_ref_any ON objects (ref);
