-- Upload sessions for clients that cannot stream a request (browsers over gRPC-Web): the bytes arrive as unary chunks
-- in order and become a document when the session is finished. Chunks are rows of their own (appending to one bytea
-- would rewrite the whole file per chunk); a finished session keeps its row (without chunks) so that a repeated
-- FinishUpload returns the same document. Sessions older than 24 hours are deleted by the content sweep.
CREATE TABLE signing.upload
(
    upload_id      uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    envelope_id    uuid        NOT NULL,
    file_name      text        NOT NULL,
    size_bytes     bigint      NOT NULL,
    received_bytes bigint      NOT NULL DEFAULT 0,
    request_id     text        NULL,
    document_id    uuid        NULL,
    -- Set while one FinishUpload call reads and checks the bytes; others wait (a stale claim expires after 5 minutes).
    finishing_at   timestamptz NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ux_upload_request ON signing.upload (tenant_id, envelope_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX ix_upload_envelope ON signing.upload (envelope_id);
CREATE INDEX ix_upload_tenant_open ON signing.upload (tenant_id) WHERE document_id IS NULL;
CREATE INDEX ix_upload_created ON signing.upload (created_at);

CREATE TABLE signing.upload_chunk
(
    upload_id uuid   NOT NULL REFERENCES signing.upload (upload_id) ON DELETE CASCADE,
    "offset"  bigint NOT NULL,
    data      bytea  NOT NULL,
    PRIMARY KEY (upload_id, "offset")
);
