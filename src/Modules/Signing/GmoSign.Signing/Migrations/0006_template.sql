-- Templates: a tenant's prepared contracts. The template row holds what is current (name, latest version, archived);
-- each version is immutable — its definition (the TemplateDefinition message as protobuf JSON) and its documents
-- (content ids in the tenant's content store, shared with the envelopes made from it). Envelopes record the version
-- they were made from in their own state.
CREATE TABLE signing.template
(
    template_id    uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    name           text        NOT NULL,
    description    text        NOT NULL DEFAULT '',
    version        int         NOT NULL,
    archived_at    timestamptz NULL,
    request_id     text        NULL,
    -- The user who made it (null for an integration): they, tenant administrators and integrations may change it.
    created_by_user uuid       NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_template_request ON signing.template (tenant_id, request_id) WHERE request_id IS NOT NULL;
CREATE UNIQUE INDEX ux_template_name ON signing.template (tenant_id, lower(name)) WHERE archived_at IS NULL;
CREATE INDEX ix_template_tenant_updated ON signing.template (tenant_id, updated_at DESC, template_id DESC);

CREATE TABLE signing.template_version
(
    template_id uuid        NOT NULL REFERENCES signing.template (template_id) ON DELETE CASCADE,
    version     int         NOT NULL,
    tenant_id   uuid        NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL,
    definition  jsonb       NOT NULL,
    -- [{ "fileName", "contentId", "sizeBytes", "sha256" (hex), "pages": [{ "width", "height" }] }]
    documents   jsonb       NOT NULL,
    request_id  text        NULL,
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL,
    PRIMARY KEY (template_id, version)
);
CREATE UNIQUE INDEX ux_template_version_request ON signing.template_version (template_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX ix_template_version_tenant ON signing.template_version (tenant_id);
