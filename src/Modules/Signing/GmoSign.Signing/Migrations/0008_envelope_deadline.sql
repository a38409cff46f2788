-- The time an open envelope's next reminder or its expiry is due (null once it has ended), written with every change.
-- The deadline reminder of each envelope fires at that time; the deadline sweep finds the ones a reminder missed —
-- their host was down when it was due, and Orleans skips a missed tick until the reminder's next period — and has
-- their grains carry them out.
ALTER TABLE signing.envelope ADD COLUMN deadline_at timestamptz NULL;

-- Envelopes opened before this column existed: their expiry bounds their next deadline (the next change writes the
-- exact one).
UPDATE signing.envelope SET deadline_at = expires_at WHERE status IN (2, 3) AND expires_at IS NOT NULL;

CREATE INDEX envelope_deadline ON signing.envelope (deadline_at) WHERE deadline_at IS NOT NULL;
