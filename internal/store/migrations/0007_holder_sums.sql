-- memsee schema, version 7: a holder's path and name told apart by their sums.
--
-- holder_key is, per holder of holder, the first 16 bytes of the SHA-256 of its path, then
-- those of its name (store.HolderName.Key): 32 bytes. leaks matches the holders of one
-- snapshot with those of the next by these sums and reads the texts only of the holders it
-- reports: a dump whose holders have long paths (a Ruby dump's run to 880 bytes on average)
-- has tens of megabytes of them per snapshot. The sums are a table of their own so that
-- reading them does not read the texts beside them. A snapshot whose holders were named
-- before version 7 has none, and its sums are worked out from the texts when they are read.
CREATE TABLE holder_key (
    snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    oid      INTEGER NOT NULL,
    sums     BLOB    NOT NULL,
    PRIMARY KEY (snapshot, oid)
) WITHOUT ROWID;
