-- A notification that no longer applies when its turn comes (the envelope ended, or the recipient signed, declined
-- or was reassigned away) is not sent: it is marked dropped, with the reason in last_error.
ALTER TABLE signing.outbox ADD COLUMN dropped_at timestamptz NULL;
