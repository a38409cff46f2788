-- Signing: envelopes (state of the envelope grain + list columns), the hash-chained audit trail, the notification
-- outbox. One envelope change writes its state, audit entries and notifications in one transaction.
CREATE SCHEMA IF NOT EXISTS signing;

CREATE TABLE signing.envelope
(
    envelope_id    uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    version        bigint      NOT NULL,
    status         smallint    NOT NULL,
    title          text        NOT NULL,
    sender_user_id uuid        NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    expires_at     timestamptz NULL,
    state          jsonb       NOT NULL
);
-- ListEnvelopes: per tenant, most recently changed first, optionally one status.
CREATE INDEX ix_envelope_tenant_updated ON signing.envelope (tenant_id, updated_at DESC, envelope_id DESC);
CREATE INDEX ix_envelope_tenant_status ON signing.envelope (tenant_id, status, updated_at DESC, envelope_id DESC);

-- Append-only: the application never updates or deletes rows (tenant deletion excepted).
CREATE TABLE signing.audit_event
(
    envelope_id   uuid        NOT NULL,
    sequence      bigint      NOT NULL,
    tenant_id     uuid        NOT NULL,
    at            timestamptz NOT NULL,
    action        text        NOT NULL,
    actor         text        NOT NULL,
    principal     text        NULL,
    recipient_id  uuid        NULL,
    ip_address    text        NULL,
    user_agent    text        NULL,
    detail        text        NOT NULL,
    previous_hash bytea       NOT NULL,
    hash          bytea       NOT NULL,
    PRIMARY KEY (envelope_id, sequence)
);

-- Durable outbox: delivered by the notification dispatcher with retries; (envelope_id, version, position) makes
-- a retried commit idempotent.
CREATE TABLE signing.outbox
(
    message_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    envelope_id     uuid        NOT NULL,
    version         bigint      NOT NULL,
    position        integer     NOT NULL,
    tenant_id       uuid        NOT NULL,
    kind            text        NOT NULL,
    recipient_id    uuid        NULL,
    email           text        NOT NULL,
    name            text        NOT NULL,
    detail          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz NULL,
    last_error      text        NULL,
    UNIQUE (envelope_id, version, position)
);
CREATE INDEX ix_outbox_due ON signing.outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX ix_outbox_tenant ON signing.outbox (tenant_id);
CREATE INDEX ix_audit_event_tenant ON signing.audit_event (tenant_id);
