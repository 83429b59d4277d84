-- memsee schema, version 7: what leaks reads of a snapshot in a few rows.
--
-- holder_key is, per holder of holder, the first 16 bytes of the SHA-256 of its path, then
-- those of its name (store.HolderName.Key): 32 bytes. leaks matches the holders of one
-- snapshot with those of the next by these sums and reads the texts only of the holders it
-- reports: a dump whose holders have long paths (a Ruby dump's run to 880 bytes on average)
-- has tens of megabytes of them per snapshot. The sums are a table of their own so that
-- reading them does not read the texts beside them. A snapshot whose holders were named
-- before version 7 has none, and its sums are worked out from the texts when they are read.
--
-- holding_set.packed is the snapshot's holding rows again, in one value (store/holdings.go,
-- packHoldings: a varint per column), which leaks reads instead of a row per holding: a
-- hundred thousand rows cost a tenth of a second through SQLite, and a few milliseconds
-- packed. holding keeps the rows for queries. NULL for a snapshot loaded before version 7.
CREATE TABLE holder_key (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    oid      INTEGER NOT NULL,
    sums     BLOB    NOT NULL,
    PRIMARY KEY (snapshot, oid)
) WITHOUT ROWID;

ALTER TABLE holding_set ADD COLUMN packed BLOB;
