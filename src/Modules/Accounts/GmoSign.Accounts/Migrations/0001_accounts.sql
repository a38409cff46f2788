-- Accounts: every identity that signs in with a password (operator staff and tenant users), and sessions.
CREATE SCHEMA IF NOT EXISTS accounts;

CREATE TABLE accounts.user_account
(
    user_id          uuid        PRIMARY KEY,
    kind             smallint    NOT NULL,              -- 1 operator, 3 tenant user (CallerKind)
    tenant_id        uuid        NULL,                  -- set exactly for tenant users
    login_id         text        NOT NULL,              -- lower-cased e-mail form
    display_name     text        NOT NULL,
    password_hash    text        NOT NULL,              -- ASP.NET Core Identity v3 format (PBKDF2-HMAC-SHA512)
    roles            text[]      NOT NULL DEFAULT '{}',
    status           smallint    NOT NULL DEFAULT 1,    -- 1 active, 2 disabled
    failed_logins    integer     NOT NULL DEFAULT 0,
    locked_until     timestamptz NULL,
    totp_secret      bytea       NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_user_account_tenant CHECK ((kind = 3) = (tenant_id IS NOT NULL))
);
CREATE UNIQUE INDEX ux_user_account_login ON accounts.user_account (login_id);
CREATE INDEX ix_user_account_tenant ON accounts.user_account (tenant_id) WHERE tenant_id IS NOT NULL;

-- Opaque session tokens, stored as SHA-256 only.
CREATE TABLE accounts.session
(
    token_hash  bytea       PRIMARY KEY,
    session_id  uuid        NOT NULL UNIQUE,
    user_id     uuid        NOT NULL REFERENCES accounts.user_account (user_id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz NULL,
    ip_address  text        NULL
);
CREATE INDEX ix_session_user ON accounts.session (user_id);
