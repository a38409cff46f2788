-- IP allow-lists (option ip_restriction) and signing-authority delegation (Art. 8) with its audit trail.
ALTER TABLE accounts.tenant_security
    ADD COLUMN ip_allow_list text[] NOT NULL DEFAULT '{}';

CREATE TABLE accounts.delegation
(
    delegation_id     uuid        PRIMARY KEY,
    tenant_id         uuid        NOT NULL,
    principal_user_id uuid        NOT NULL REFERENCES accounts.user_account (user_id),
    delegate_user_id  uuid        NOT NULL REFERENCES accounts.user_account (user_id),
    scope             smallint    NOT NULL,        -- 1 all envelopes, 2 by tag
    tag               text        NULL,
    valid_from        timestamptz NOT NULL,
    valid_until       timestamptz NOT NULL,
    created_at        timestamptz NOT NULL,
    revoked_at        timestamptz NULL,
    revoked_by        uuid        NULL,
    CONSTRAINT ck_delegation_period CHECK (valid_until > valid_from),
    CONSTRAINT ck_delegation_self CHECK (principal_user_id <> delegate_user_id)
);
CREATE INDEX ix_delegation_delegate ON accounts.delegation (tenant_id, delegate_user_id, principal_user_id) WHERE revoked_at IS NULL;
CREATE INDEX ix_delegation_tenant ON accounts.delegation (tenant_id, created_at DESC);

-- Append-only: rows are inserted with the change they record and never updated.
CREATE TABLE accounts.delegation_event
(
    event_id      uuid        PRIMARY KEY,
    tenant_id     uuid        NOT NULL,
    delegation_id uuid        NOT NULL REFERENCES accounts.delegation (delegation_id),
    action        text        NOT NULL CHECK (action IN ('granted', 'revoked')),
    actor_user_id uuid        NOT NULL,
    at            timestamptz NOT NULL,
    ip_address    text        NULL
);
CREATE INDEX ix_delegation_event_tenant ON accounts.delegation_event (tenant_id, at DESC);
