-- Usage additions that carry a key (one per envelope change) are applied once: a hand-over retried after a crash
-- finds its key here and adds nothing.
CREATE TABLE reseller.usage_applied
(
    key        text        PRIMARY KEY,
    tenant_id  uuid        NOT NULL,
    applied_at timestamptz NOT NULL
);
