-- memsee schema, version 3: the objects of a heap dump a page at a time.
--
-- A row per object cost SQLite about a microsecond per object to write, most of the load of a
-- dump of millions of objects. Objects are now kept in pages of 1,024 (oids p*1024 ..
-- p*1024+1023), each a row of object_page and a row of edge_page, in a packed column format
-- (internal/store/page.go; docs/page-format.md describes it). `memsee query --objects SNAPSHOT`
-- lays them out again as the tables object and ref for SQL.
--
-- The columns of object_page.objects, in their order: addr, type, size, len, distance,
-- parent, idom, retained, refs (count), referrers (count), value, via. Those of
-- edge_page.refs: each object's end in the references, their targets, kinds and names, the
-- page's names, each object's end in the referrers, the referrers. (The short list beside
-- objects below is out of order and incomplete; it is part of the CREATE TABLE statement that
-- databases keep, so it stays as it was written.)
CREATE TABLE object_page (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    page     INTEGER NOT NULL,   -- oid / 1024
    objects  BLOB    NOT NULL,   -- addr, type, size, len, distance, parent, via, idom, retained, value ...
    gen      BLOB,               -- each object's first snapshot, once diff has marked them
    PRIMARY KEY (snapshot, page)
);

CREATE TABLE edge_page (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    page     INTEGER NOT NULL,
    refs     BLOB    NOT NULL,   -- each object's references (target, kind, name) and referrers
    PRIMARY KEY (snapshot, page)
);
