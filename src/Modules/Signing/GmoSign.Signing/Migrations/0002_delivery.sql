-- Delivery: notifications that gave up, and webhooks (Art. 10).
ALTER TABLE signing.outbox ADD COLUMN failed_at timestamptz NULL;
DROP INDEX signing.ix_outbox_due;
CREATE INDEX ix_outbox_due ON signing.outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- A tenant's webhook endpoints; the HMAC secret is stored sealed (AES-GCM under a key derived from the master key).
CREATE TABLE signing.webhook_endpoint
(
    endpoint_id   uuid        PRIMARY KEY,
    tenant_id     uuid        NOT NULL,
    url           text        NOT NULL,
    events        text[]      NOT NULL,       -- empty = every event
    sealed_secret bytea       NOT NULL,
    active        boolean     NOT NULL,
    created_at    timestamptz NOT NULL,
    created_by    text        NOT NULL
);
CREATE INDEX ix_webhook_endpoint_tenant ON signing.webhook_endpoint (tenant_id) WHERE active;

-- One row per (endpoint, envelope event), written in the same statement as the envelope change; delivered at least
-- once, in order per envelope and endpoint, with exponential backoff.
CREATE TABLE signing.webhook_delivery
(
    delivery_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id     uuid        NOT NULL,
    tenant_id       uuid        NOT NULL,
    envelope_id     uuid        NOT NULL,
    sequence        bigint      NOT NULL,
    event           text        NOT NULL,
    payload         text        NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz NULL,
    failed_at       timestamptz NULL,
    last_status     integer     NULL,
    last_error      text        NULL,
    UNIQUE (endpoint_id, envelope_id, sequence)
);
CREATE INDEX ix_webhook_delivery_due ON signing.webhook_delivery (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX ix_webhook_delivery_list ON signing.webhook_delivery (tenant_id, endpoint_id, delivery_id DESC);
