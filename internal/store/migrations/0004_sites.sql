-- memsee schema, version 4: allocation sites of the objects of a heap dump, for the dumps that
-- have them (Ruby's, with allocation tracing on). Other snapshots have no rows here, and their
-- pages are as they were.
--
-- alloc_site is a snapshot's sites ("file:line") with the objects allocated there: their
-- count, their shallow bytes and what they retain together (an object retained through another
-- of the same site counted once). site_page holds, for each page of object_page, the site id of
-- each of its objects (docs/page-format.md; 0 for none).
CREATE TABLE alloc_site (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    id       INTEGER NOT NULL,   -- from 1, as site_page.sites holds it
    site     TEXT    NOT NULL,   -- file:line
    count    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    retained INTEGER NOT NULL,
    PRIMARY KEY (snapshot, id)
);

CREATE TABLE site_page (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    page     INTEGER NOT NULL,
    sites    BLOB    NOT NULL,
    PRIMARY KEY (snapshot, page)
);
