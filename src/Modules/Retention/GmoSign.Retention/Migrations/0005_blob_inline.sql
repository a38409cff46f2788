-- Sealed content is compressed before it is encrypted, so most blobs (a signed revision of a short contract, a
-- certificate of completion, an audit trail) are a few KiB: keep rows up to a page inline instead of in TOAST chunks
-- (each chunk is a row and an index entry of its own), and do not let PostgreSQL try to compress ciphertext.
ALTER TABLE retention.blob SET (toast_tuple_target = 8160);
ALTER TABLE retention.blob ALTER COLUMN sealed SET STORAGE EXTERNAL;
