-- Every signature appends audit entries and notifications: an index by tenant on each cost a write per row and served
-- only tenant deletion, which now finds those rows through the tenant's envelopes (the audit trail's key and the
-- outbox's unique constraint begin with the envelope id, and both are written only together with their envelope's row).
DROP INDEX IF EXISTS signing.ix_audit_event_tenant;
DROP INDEX IF EXISTS signing.ix_outbox_tenant;
