-- Every change rewrites the envelope's state (jsonb, ≈ 3 KiB): PostgreSQL compresses it on the way to the row, and
-- pglz costs about a third of the row update. lz4 compresses such JSON about as well at a fraction of the CPU. New
-- values only; a server built without lz4 keeps pglz (the statement is skipped, not failed).
DO $$
BEGIN
    ALTER TABLE signing.envelope ALTER COLUMN state SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available in this PostgreSQL build; envelope state stays pglz-compressed';
END
$$;
