-- memsee schema, version 2: object graphs (Python, V8, HPROF, Go heap dumps).

-- Type and class names of object-graph snapshots, shared by all snapshots.
CREATE TABLE type (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);

-- Every object of an object-graph snapshot, with what the graph work at load found.
CREATE TABLE object (
    snapshot  INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    oid       INTEGER NOT NULL,   -- 0..n-1 within the snapshot, in address order (so addr rises with
                                  -- oid, and memsee finds an address by binary search over oids)
    addr      INTEGER NOT NULL,   -- the dump's own identity: an address, or a V8 node id
    type      INTEGER NOT NULL REFERENCES type(id),
    size      INTEGER NOT NULL,   -- shallow bytes
    len       INTEGER,            -- elements or characters; NULL when the dump has none
    value     TEXT,               -- a short value (strings, numbers) or a name (modules, functions)
    distance  INTEGER,            -- references from the nearest root; NULL when unreachable
    parent    INTEGER,            -- oid before it on a shortest path from a root; NULL for roots
    via       TEXT,               -- how parent refers to it: ._audit_log, [17], ['key']; NULL if unnamed
    idom      INTEGER,            -- oid of its immediate dominator; NULL when only the super-root is
    retained  INTEGER NOT NULL,   -- bytes that would be freed with it: its dominator subtree
    gen       INTEGER,            -- id of the first snapshot it was seen in; set by diff (meliae)
    refs      TEXT    NOT NULL,   -- JSON array of the oids it refers to, in the dump's order
    ref_names TEXT,               -- JSON array of the names of those references; NULL when none
    referrers TEXT    NOT NULL,   -- JSON array of the oids that refer to it
    PRIMARY KEY (snapshot, oid)
) WITHOUT ROWID;

-- GC roots, and what a format treats as roots (Python modules).
CREATE TABLE root (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    oid      INTEGER NOT NULL,
    kind     TEXT    NOT NULL,    -- module, unreferenced, global, static, stack, ...
    name     TEXT    NOT NULL     -- how a path starts from it: module shop
);
CREATE INDEX root_oid ON root(snapshot, oid);

-- Per snapshot and type: instances, shallow bytes, and bytes retained by the instances that no
-- other instance of the type dominates (so nothing is counted twice).
CREATE TABLE type_stat (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    type     INTEGER NOT NULL REFERENCES type(id),
    count    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    retained INTEGER NOT NULL,
    PRIMARY KEY (snapshot, type)
) WITHOUT ROWID;

-- Each reference as a row, for SQL (unpacked from object.refs; a full scan, so filter by
-- snapshot and src).
CREATE VIEW ref AS
    SELECT o.snapshot AS snapshot, o.oid AS src, j.value AS dst, n.value AS name
    FROM object o, json_each(o.refs) j
    LEFT JOIN json_each(o.ref_names) n ON n.key = j.key;
