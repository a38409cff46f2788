-- Usage additions that carry a key (one per envelope change) are applied once: a hand-over retried after a crash
-- finds its key here and adds nothing. A hand-over is retried within minutes, so keys older than 30 days go.
CREATE TABLE reseller.usage_applied
(
    key        text        PRIMARY KEY,
    tenant_id  uuid        NOT NULL,
    applied_at timestamptz NOT NULL
);
CREATE INDEX ix_usage_applied_at ON reseller.usage_applied (applied_at);
