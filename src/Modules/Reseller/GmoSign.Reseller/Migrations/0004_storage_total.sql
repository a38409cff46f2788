-- Bytes a tenant stores now (retained documents), kept as a running total so that each month's row can record the
-- figure at the end of the month, and months without activity carry the last one forward.
CREATE TABLE reseller.storage_total
(
    tenant_id uuid   PRIMARY KEY,
    bytes     bigint NOT NULL CHECK (bytes >= 0)
);
