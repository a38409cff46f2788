-- Retention: encrypted documents, their search metadata (電子帳簿保存法), corrections, access log, deletion records.
CREATE SCHEMA IF NOT EXISTS retention;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A known value encrypted with the master key: a different key at start-up is refused before anything is written.
CREATE TABLE retention.master_key_check
(
    id         smallint    PRIMARY KEY CHECK (id = 1),
    sealed     bytea       NOT NULL,
    created_at timestamptz NOT NULL
);

-- Per-tenant data keys, wrapped (AES-GCM) by the master key. Deleting the row destroys every copy of the data.
CREATE TABLE retention.tenant_key
(
    tenant_id   uuid        PRIMARY KEY,
    wrapped_key bytea       NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE retention.document
(
    document_id      uuid        PRIMARY KEY,
    tenant_id        uuid        NOT NULL,
    title            text        NOT NULL,
    document_type    text        NOT NULL,
    transaction_date date        NOT NULL,
    amount           bigint      NOT NULL,
    currency         text        NOT NULL,
    counterparty     text        NOT NULL,
    parties          text[]      NOT NULL,
    parties_text     text        NOT NULL,        -- parties joined, for substring search
    tags             text[]      NOT NULL,
    file_name        text        NOT NULL,
    source           smallint    NOT NULL,        -- 1 upload, 2 envelope
    size_bytes       bigint      NOT NULL,
    sha256           bytea       NOT NULL,
    retention_until  date        NOT NULL,
    legal_hold       boolean     NOT NULL DEFAULT false,
    stored_at        timestamptz NOT NULL,
    stored_by        text        NOT NULL
);
-- Search: every query is per tenant; the default order is (transaction_date DESC, document_id DESC).
CREATE INDEX ix_document_date ON retention.document (tenant_id, transaction_date DESC, document_id DESC);
CREATE INDEX ix_document_amount ON retention.document (tenant_id, amount);
CREATE INDEX ix_document_type ON retention.document (tenant_id, document_type, transaction_date DESC);
CREATE INDEX ix_document_counterparty ON retention.document USING gin (counterparty gin_trgm_ops);
CREATE INDEX ix_document_title ON retention.document USING gin (title gin_trgm_ops);
CREATE INDEX ix_document_parties ON retention.document USING gin (parties_text gin_trgm_ops);
CREATE INDEX ix_document_tags ON retention.document USING gin (tags);

-- Encrypted content, behind the blob-store interface (an object store can replace this table).
CREATE TABLE retention.blob
(
    document_id uuid  PRIMARY KEY,
    tenant_id   uuid  NOT NULL,
    sealed      bytea NOT NULL                  -- nonce (12) | tag (16) | ciphertext
);
CREATE INDEX ix_blob_tenant ON retention.blob (tenant_id);

-- 真実性: every correction keeps who, when, old and new value; every access is logged. Append-only.
CREATE TABLE retention.correction
(
    correction_id uuid        PRIMARY KEY,
    tenant_id     uuid        NOT NULL,
    document_id   uuid        NOT NULL,
    field         text        NOT NULL,
    old_value     text        NOT NULL,
    new_value     text        NOT NULL,
    user_id       uuid        NOT NULL,
    reason        text        NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX ix_correction_document ON retention.correction (document_id, at DESC);

CREATE TABLE retention.access_log
(
    entry_id    uuid        PRIMARY KEY,
    tenant_id   uuid        NOT NULL,
    document_id uuid        NULL,
    action      text        NOT NULL,
    actor       text        NOT NULL,
    ip_address  text        NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX ix_access_log_document ON retention.access_log (document_id, at DESC);
CREATE INDEX ix_access_log_tenant ON retention.access_log (tenant_id, at DESC);

-- Exports: the document set is fixed when the export starts, so an interrupted download resumes the same bytes.
CREATE TABLE retention.export
(
    export_id    uuid        PRIMARY KEY,
    tenant_id    uuid        NOT NULL,
    document_ids uuid[]      NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE retention.deletion_record
(
    tenant_id      uuid        PRIMARY KEY,
    deleted_at     timestamptz NOT NULL,
    documents      integer     NOT NULL,
    bytes          bigint      NOT NULL,
    content_digest bytea       NOT NULL,
    key_destroyed  boolean     NOT NULL
);
