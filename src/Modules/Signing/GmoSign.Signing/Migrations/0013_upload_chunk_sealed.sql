-- Upload chunks are sealed (AES-GCM under a key derived from the master key, bound to their upload and offset) before
-- they are stored, like every other document byte at rest. Chunks written before this migration stay readable as
-- they are (sealed = false) until their session finishes or expires (24 hours).
ALTER TABLE signing.upload_chunk ADD COLUMN sealed boolean NOT NULL DEFAULT false;
