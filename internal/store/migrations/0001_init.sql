-- memsee schema, version 1. The tables are documented for users of `memsee query`.

-- One row per loaded file.
CREATE TABLE snapshot (
    id           INTEGER PRIMARY KEY,
    label        TEXT    NOT NULL UNIQUE,        -- from --label, or the file name
    source       TEXT    NOT NULL,               -- the file name as given to `memsee load`
    sha256       TEXT    NOT NULL,               -- of the file as it is on disk
    format       TEXT    NOT NULL,               -- pprof, meliae, v8, hprof, godump
    kind         TEXT    NOT NULL,               -- profile (allocation sites) or graph (objects)
    taken_at     TEXT    NOT NULL,               -- UTC, ISO 8601
    taken_from   TEXT    NOT NULL,               -- where taken_at came from: dump, mtime
    loaded_at    TEXT    NOT NULL,               -- UTC, ISO 8601
    series       TEXT    NOT NULL DEFAULT '',    -- groups the snapshots of one process
    object_count INTEGER NOT NULL,               -- objects in use
    total_bytes  INTEGER NOT NULL,               -- bytes in use
    meta         TEXT    NOT NULL DEFAULT '{}'   -- JSON: format-specific facts
);
CREATE INDEX snapshot_sha256 ON snapshot(sha256);

-- Function names of heap-profile stacks, shared by all snapshots.
CREATE TABLE function (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE                 -- as the profile spells it: main.(*Server).handle
);

-- Allocation sites (stacks) of heap profiles, shared by all snapshots.
CREATE TABLE site (
    id       INTEGER PRIMARY KEY,
    hash     INTEGER NOT NULL,                   -- 64-bit hash of stack, for interning at load
    function INTEGER NOT NULL REFERENCES function(id), -- the allocating function (innermost frame)
    line     TEXT    NOT NULL,                   -- file:line of the allocating frame, or ''
    depth    INTEGER NOT NULL,                   -- frames in stack
    stack    TEXT    NOT NULL                    -- JSON array of function ids, innermost first
);

-- What each snapshot of a heap profile holds at each allocation site.
CREATE TABLE sample (
    snapshot      INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    site          INTEGER NOT NULL REFERENCES site(id),
    inuse_objects INTEGER NOT NULL,
    inuse_bytes   INTEGER NOT NULL,
    alloc_objects INTEGER NOT NULL,
    alloc_bytes   INTEGER NOT NULL,
    PRIMARY KEY (snapshot, site)
) WITHOUT ROWID;
