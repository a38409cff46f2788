-- Reseller: the queryable directory of resellers (the reseller grain owns the state and writes this projection).
CREATE SCHEMA IF NOT EXISTS reseller;

CREATE TABLE reseller.reseller
(
    reseller_id   uuid        PRIMARY KEY,
    name          text        NOT NULL,
    contact_email text        NOT NULL,
    status        smallint    NOT NULL,          -- 1 active, 2 suspended
    api_key_hash  bytea       NOT NULL,          -- SHA-256 of the API key; the key itself is never stored
    registered_by uuid        NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_reseller_api_key ON reseller.reseller (api_key_hash);
