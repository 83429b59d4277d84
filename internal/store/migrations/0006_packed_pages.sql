-- memsee schema, version 6: pages may be packed. A load stores object_page.objects and
-- edge_page.refs as packed blobs (docs/page-format.md: version 2, the columns in byte planes,
-- zstd-compressed), which a memsee of an earlier schema would read as damaged pages. The
-- tables are as they were, and pages stored before stay plain (version 1) and read as they
-- did; this version only makes an earlier memsee refuse the database, naming both versions,
-- rather than fail on its first packed page.
SELECT 1;
