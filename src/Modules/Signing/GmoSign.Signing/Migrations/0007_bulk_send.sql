-- CSV bulk send: one row per data row of the file. A row's input (people for the roles, merge values, title) is kept
-- until the row is done; the worker claims a row with a lease (claimed_until), makes its envelope with a request id
-- derived from the bulk send and the row (so a retry after a crash lands on the same envelope) and sends it with the
-- same kind of key (so it is sent once). last_turn_at rotates the worker between running bulk sends.
CREATE TABLE signing.bulk_send
(
    bulk_send_id     uuid        PRIMARY KEY,
    tenant_id        uuid        NOT NULL,
    template_id      uuid        NOT NULL,
    template_version int         NOT NULL,
    file_name        text        NOT NULL,
    encoding         text        NOT NULL,
    status           text        NOT NULL,
    total_rows       int         NOT NULL,
    request_id       text        NOT NULL,
    -- Who started it, as the envelopes name their sender.
    caller           jsonb       NOT NULL,
    created_by       text        NOT NULL,
    -- The user who started it (null for an integration): they, tenant administrators and integrations may cancel it.
    created_by_user  uuid        NULL,
    created_at       timestamptz NOT NULL,
    finished_at      timestamptz NULL,
    last_turn_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_bulk_send_request ON signing.bulk_send (tenant_id, request_id);
CREATE INDEX ix_bulk_send_tenant ON signing.bulk_send (tenant_id, created_at DESC, bulk_send_id DESC);
CREATE INDEX ix_bulk_send_running ON signing.bulk_send (last_turn_at) WHERE status = 'running';

CREATE TABLE signing.bulk_send_row
(
    bulk_send_id  uuid        NOT NULL REFERENCES signing.bulk_send (bulk_send_id) ON DELETE CASCADE,
    row_number    int         NOT NULL,
    tenant_id     uuid        NOT NULL,
    status        text        NOT NULL,
    input         jsonb       NULL,
    envelope_id   uuid        NULL,
    errors        jsonb       NULL,
    attempts      int         NOT NULL DEFAULT 0,
    claimed_until timestamptz NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (bulk_send_id, row_number)
);
CREATE INDEX ix_bulk_send_row_open ON signing.bulk_send_row (bulk_send_id, row_number) WHERE status IN ('pending', 'created');
CREATE INDEX ix_bulk_send_row_tenant ON signing.bulk_send_row (tenant_id);
