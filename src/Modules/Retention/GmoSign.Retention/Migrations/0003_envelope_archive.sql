-- Completed envelopes handed over by Signing: their documents are ordinary retained documents (source 2) that
-- carry the envelope id and its outcome; the certificate of completion and the audit trail are kept with them.
ALTER TABLE retention.document ADD COLUMN envelope_id uuid NULL;
ALTER TABLE retention.document ADD COLUMN status text NOT NULL DEFAULT 'stored';   -- stored (uploaded) | completed
CREATE INDEX ix_document_status ON retention.document (tenant_id, status, transaction_date DESC, document_id DESC);

CREATE TABLE retention.envelope_record
(
    envelope_id    uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    status         text        NOT NULL,
    completed_at   timestamptz NOT NULL,
    title          text        NOT NULL,
    document_ids   uuid[]      NOT NULL,
    certificate_id uuid        NOT NULL,      -- sealed blob: certificate of completion (PDF)
    audit_trail_id uuid        NOT NULL,      -- sealed blob: audit trail (JSON)
    archived_at    timestamptz NOT NULL
);
CREATE INDEX ix_envelope_record_tenant ON retention.envelope_record (tenant_id, completed_at);
