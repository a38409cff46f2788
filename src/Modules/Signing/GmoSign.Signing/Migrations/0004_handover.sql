-- Hand-overs to other modules (usage for billing, completed envelopes to Retention), written in the same statement as
-- the envelope change that makes them due and carried out by the hand-over worker; a row is deleted once done.
CREATE TABLE signing.handover
(
    envelope_id     uuid        NOT NULL,
    version         bigint      NOT NULL,
    kind            text        NOT NULL,
    tenant_id       uuid        NOT NULL,
    envelopes_sent  bigint      NOT NULL DEFAULT 0,
    signatures      bigint      NOT NULL DEFAULT 0,
    at              timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text        NULL,
    PRIMARY KEY (envelope_id, version, kind)
);
CREATE INDEX ix_handover_due ON signing.handover (next_attempt_at);
CREATE INDEX ix_handover_tenant ON signing.handover (tenant_id);

-- Envelopes completed before this table existed and not yet handed over.
INSERT INTO signing.handover (envelope_id, version, kind, tenant_id, at, next_attempt_at)
SELECT envelope_id, version, 'archive', tenant_id, now(), now()
FROM signing.envelope WHERE (state->>'ArchivePending')::boolean;
