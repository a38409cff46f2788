-- Reseller suspension (the operator's sales contract with a reseller): the reason its keys are refused for, and the
-- history of every suspension and reinstatement.
ALTER TABLE reseller.reseller ADD COLUMN suspension_reason text NULL;
CREATE TABLE reseller.reseller_event
(
    reseller_id uuid        NOT NULL,
    at          timestamptz NOT NULL,
    status      smallint    NOT NULL,   -- 1 reinstated (active), 2 suspended
    reason      text        NULL,
    by_user     uuid        NOT NULL,
    PRIMARY KEY (reseller_id, at)
);
