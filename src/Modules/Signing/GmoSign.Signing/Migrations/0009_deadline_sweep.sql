-- Envelope deadlines are carried out by the hosts' deadline sweep alone (signing.envelope.deadline_at); the Orleans
-- reminder each open envelope kept is no longer used.
DELETE FROM orleans_reminder WHERE reminder_name = 'deadline';

-- Envelopes opened before 0008 hold their expiry as their deadline, which may lie after a reminder still to be sent:
-- the sweep looks at every open envelope once, carries out what is due and stores each one's exact next deadline.
UPDATE signing.envelope SET deadline_at = now() WHERE deadline_at IS NOT NULL;
