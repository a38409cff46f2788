-- Every change inserts a hand-over row that lives about a second: an index by tenant cost a write per change and
-- served only tenant deletion, which can read this small table whole.
DROP INDEX IF EXISTS signing.ix_handover_tenant;
