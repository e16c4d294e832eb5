-- Nothing changes on SQLite: PostgreSQL's version 4 replaces the ties' per-row foreign-key
-- checks with a per-statement trigger for speed; SQLite's foreign-key checks are cheap
-- (no row locks), so they stay. The file keeps both backends at the same version.
SELECT 1;
