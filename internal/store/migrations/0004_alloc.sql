-- memsee schema, version 4: where and when the objects of a heap dump were allocated, for the
-- dumps that say (Ruby's, with allocation tracing on). Other snapshots have no rows here, and
-- their pages are as they were.
--
-- alloc_site is a snapshot's allocation sites ("file:line") with the objects allocated there:
-- their count, their shallow bytes and what they retain together (an object retained through
-- another of the same site counted once). alloc_page holds, for each page of object_page, two
-- columns of its objects (docs/page-format.md): sites, each object's alloc_site id (0 for
-- none), and born, the collector's count when it was allocated, plus one (Ruby's "generation";
-- 0 for none), by which diff matches an object across dumps rather than by its size.
CREATE TABLE alloc_site (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    id       INTEGER NOT NULL,   -- from 1, as alloc_page.sites holds it
    site     TEXT    NOT NULL,   -- file:line
    count    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    retained INTEGER NOT NULL,
    PRIMARY KEY (snapshot, id)
);

CREATE TABLE alloc_page (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    page     INTEGER NOT NULL,
    sites    BLOB    NOT NULL,
    born     BLOB    NOT NULL,
    PRIMARY KEY (snapshot, page)
);
