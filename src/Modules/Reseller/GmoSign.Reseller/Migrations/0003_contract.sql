-- Change requests (Art. 13, 14), notices (Art. 23, 28) and consent to terms versions (Art. 2-2, 28).
CREATE TABLE reseller.change_request
(
    change_request_id uuid        PRIMARY KEY,
    tenant_id         uuid        NOT NULL,
    reseller_id       uuid        NOT NULL,
    kind              smallint    NOT NULL,     -- 1 registered data, 2 inheritance, 3 merger, 4 transfer
    proposed          jsonb       NOT NULL,
    current           jsonb       NOT NULL,
    reason            text        NOT NULL,
    status            smallint    NOT NULL,     -- 1 pending, 2 confirmed, 3 rejected, 4 confirming
    filed_by          text        NOT NULL,
    filed_at          timestamptz NOT NULL,
    decided_by        uuid        NULL,
    decided_at        timestamptz NULL,
    decision_note     text        NULL
);
CREATE INDEX ix_change_request_tenant ON reseller.change_request (tenant_id, filed_at DESC);
CREATE INDEX ix_change_request_reseller ON reseller.change_request (reseller_id, filed_at DESC);
-- One open request per tenant: the data in force is never contested twice at once.
CREATE UNIQUE INDEX ux_change_request_open ON reseller.change_request (tenant_id) WHERE status IN (1, 4);

CREATE TABLE reseller.notice
(
    notice_id    uuid        PRIMARY KEY,
    kind         smallint    NOT NULL,
    title_ja     text        NOT NULL,
    title_en     text        NOT NULL,
    body_ja      text        NOT NULL,
    body_en      text        NOT NULL,
    effective_at timestamptz NOT NULL,
    option_code  text        NULL REFERENCES reseller.option (code),
    published_at timestamptz NOT NULL,
    published_by uuid        NOT NULL
);
CREATE INDEX ix_notice_published ON reseller.notice (published_at DESC);

CREATE TABLE reseller.terms_consent
(
    tenant_id    uuid        NOT NULL,
    version      text        NOT NULL REFERENCES reseller.terms_version (version),
    kind         text        NOT NULL CHECK (kind IN ('application', 'explicit', 'deemed')),
    user_id      uuid        NULL,
    consented_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
