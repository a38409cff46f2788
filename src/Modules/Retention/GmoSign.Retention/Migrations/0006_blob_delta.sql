-- A signed revision begins with every byte of the revision before it (a PDF incremental update), so it may be stored
-- as what it adds: base_id names the blob it continues. A base stays while any blob continues it (the content sweep
-- looks for children through ix_blob_base); reading follows the chain back to a blob without a base.
ALTER TABLE retention.blob ADD COLUMN base_id uuid NULL;
CREATE INDEX ix_blob_base ON retention.blob (base_id) WHERE base_id IS NOT NULL;
