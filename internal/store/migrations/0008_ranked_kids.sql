-- memsee schema, version 8: a refs blob (edge_page.refs) may end with two more columns, the
-- kids of each object with many references ranked by what they retain (docs/page-format.md,
-- columns 8 and 9), which a memsee of an earlier schema would read as damaged pages. The
-- tables are as they were, and pages stored before end after the referrers and read as they
-- did (kids ranks their objects as it reads them); this version only makes an earlier memsee
-- refuse the database, naming both versions, rather than fail on its first page.
SELECT 1;
