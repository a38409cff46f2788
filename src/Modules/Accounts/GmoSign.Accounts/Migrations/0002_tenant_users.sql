-- Tenant users' second factor, forced password change, tenant security policy, integration API keys.
ALTER TABLE accounts.user_account
    ADD COLUMN totp_pending_secret bytea  NULL,       -- set by BeginTotpEnrollment until confirmed
    ADD COLUMN totp_last_step      bigint NULL,       -- last accepted TOTP time step (no replay)
    ADD COLUMN deactivated_at      timestamptz NULL;

ALTER TABLE accounts.session
    ADD COLUMN enrollment_only boolean NOT NULL DEFAULT false;   -- may only enroll TOTP (tenant requires it)

CREATE TABLE accounts.tenant_security
(
    tenant_id     uuid        PRIMARY KEY,
    totp_required boolean     NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL,
    updated_by    uuid        NOT NULL
);

CREATE TABLE accounts.api_key
(
    key_id       uuid        PRIMARY KEY,
    tenant_id    uuid        NOT NULL,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL,
    created_by   uuid        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NULL,
    revoked_at   timestamptz NULL
);
CREATE UNIQUE INDEX ux_api_key_hash ON accounts.api_key (key_hash);
CREATE INDEX ix_api_key_tenant ON accounts.api_key (tenant_id, created_at DESC);
