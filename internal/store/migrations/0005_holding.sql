-- memsee schema, version 5: what leaks reads of an object dump, kept at load, so that it
-- reads a few thousand rows per snapshot instead of every page of its objects.
--
-- holding is, per snapshot, what each holder keeps alive of each type (analysis.Holding):
-- a holder is an object's nearest dominator that is not a collection's storage (-1: the
-- roots, no single holder). flags: 1 the holder's storage, 2 held by a root reference alone,
-- 4 the root object itself. reach bounds what any group under the holder can retain (the
-- floor leaks asks for is applied to it as well as to retained); depth is the holder's
-- distance from a root (-1 for none). Only groups whose reach is at least the set's floor
-- are kept.
--
-- holding_set says a snapshot has its holdings, from which floor, and to which depth of
-- holder (deeper ones, the nodes of linked structures, are not kept): leaks with a lower
-- floor or a greater depth sums the pages as before. Snapshots loaded before version 5 have no row, and leaks
-- reads their pages.
--
-- holder is each holder's path from a root and its name as leaks prints it (HELD BY), worked
-- out once the load is committed; a snapshot whose names are missing gets them at read.
CREATE TABLE holding_set (
    snapshot INTEGER PRIMARY KEY REFERENCES snapshot(id) ON DELETE CASCADE,
    floor    INTEGER NOT NULL,
    depth    INTEGER NOT NULL
);

CREATE TABLE holding (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    holder   INTEGER NOT NULL,
    type     INTEGER NOT NULL REFERENCES type(id),
    flags    INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    retained INTEGER NOT NULL,
    reach    INTEGER NOT NULL,
    depth    INTEGER NOT NULL
);
CREATE INDEX holding_snapshot ON holding(snapshot);

CREATE TABLE holder (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    oid      INTEGER NOT NULL,
    path     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    PRIMARY KEY (snapshot, oid)
) WITHOUT ROWID;
