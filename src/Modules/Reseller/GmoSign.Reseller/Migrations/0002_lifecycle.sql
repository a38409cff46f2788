-- Customer applications, tenants (projection of tenant grains), catalogue, screening records, terms versions,
-- maintenance windows and monthly usage.

CREATE TABLE reseller.plan
(
    code    text     PRIMARY KEY,
    name_ja text     NOT NULL,
    name_en text     NOT NULL,
    seats   integer  NOT NULL CHECK (seats > 0)
);
INSERT INTO reseller.plan (code, name_ja, name_en, seats) VALUES
    ('light', 'ライトプラン', 'Light', 1),
    ('standard', 'スタンダードプラン', 'Standard', 5),
    ('business', 'ビジネスプラン', 'Business', 20);

CREATE TABLE reseller.option
(
    code           text    PRIMARY KEY,
    name_ja        text    NOT NULL,
    name_en        text    NOT NULL,
    max_quantity   integer NOT NULL CHECK (max_quantity >= 1)  -- 1 = on/off option
);
INSERT INTO reseller.option (code, name_ja, name_en, max_quantity) VALUES
    ('extra_seats', '追加ユーザー', 'Extra seats', 10000),
    ('certificate_signing', '当事者型署名', 'Certificate-type signing', 1),
    ('ip_restriction', 'IPアドレス制限', 'IP address restriction', 1),
    ('api_access', 'API連携', 'API access', 1),
    ('bulk_send', '一括送信', 'Bulk send', 1);

CREATE TABLE reseller.terms_version
(
    version      text        PRIMARY KEY,
    effective_at timestamptz NOT NULL,
    summary_ja   text        NOT NULL,
    summary_en   text        NOT NULL,
    url          text        NOT NULL,
    published_at timestamptz NOT NULL,
    published_by uuid        NOT NULL
);

CREATE TABLE reseller.application
(
    application_id    uuid        PRIMARY KEY,
    reseller_id       uuid        NOT NULL REFERENCES reseller.reseller (reseller_id),
    request_id        text        NOT NULL,
    status            smallint    NOT NULL,     -- 1 pending, 2 approved, 3 rejected, 4 approving
    data              jsonb       NOT NULL,     -- the application as submitted
    corporate_number  text        NULL,
    findings          text[]      NOT NULL,
    rejection_reasons text[]      NOT NULL DEFAULT '{}',
    decision_note     text        NULL,
    decided_by        uuid        NULL,
    decided_at        timestamptz NULL,
    tenant_id         uuid        NULL,
    submitted_at      timestamptz NOT NULL,
    CONSTRAINT ux_application_request UNIQUE (reseller_id, request_id)
);
CREATE INDEX ix_application_reseller ON reseller.application (reseller_id, submitted_at DESC, application_id DESC);
CREATE INDEX ix_application_status ON reseller.application (status, submitted_at DESC, application_id DESC);

CREATE TABLE reseller.tenant
(
    tenant_id        uuid        PRIMARY KEY,
    reseller_id      uuid        NOT NULL REFERENCES reseller.reseller (reseller_id),
    name             text        NOT NULL,
    corporate_number text        NULL,
    status           smallint    NOT NULL,
    plan             text        NOT NULL,
    term_end         timestamptz NOT NULL,
    termination_kind smallint    NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX ix_tenant_reseller ON reseller.tenant (reseller_id, created_at, tenant_id);
CREATE INDEX ix_tenant_corporate_number ON reseller.tenant (corporate_number) WHERE corporate_number IS NOT NULL;

-- Facts about organizations that screening looks for (Art. 2-3 (2), (1)/(7)).
CREATE TABLE reseller.organization_record
(
    record_id        uuid        PRIMARY KEY,
    corporate_number text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('delinquency', 'terminated_for_cause')),
    note             text        NOT NULL,
    recorded_by      uuid        NULL,
    recorded_at      timestamptz NOT NULL
);
CREATE INDEX ix_organization_record_number ON reseller.organization_record (corporate_number);

-- At most one maintenance window is announced at a time (row id 1).
CREATE TABLE reseller.maintenance
(
    id         smallint    PRIMARY KEY CHECK (id = 1),
    notice_ja  text        NOT NULL,
    notice_en  text        NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    created_by uuid        NOT NULL
);

-- Per tenant and calendar month (JST): what the reseller bills, and what the customer paid (Art. 3, 17).
CREATE TABLE reseller.usage_month
(
    tenant_id      uuid     NOT NULL,
    month          date     NOT NULL CHECK (extract(day FROM month) = 1),
    envelopes_sent bigint   NOT NULL DEFAULT 0,
    signatures     bigint   NOT NULL DEFAULT 0,
    storage_bytes  bigint   NOT NULL DEFAULT 0,
    active_seats   integer  NOT NULL DEFAULT 0,
    fee_paid_jpy   bigint   NULL,
    PRIMARY KEY (tenant_id, month)
);
