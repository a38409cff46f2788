-- When a blob was written: content that no document, envelope record or envelope references may be removed only
-- once it is older than any call that could still be about to reference it.
ALTER TABLE retention.blob ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX ix_blob_written ON retention.blob (created_at, document_id);
