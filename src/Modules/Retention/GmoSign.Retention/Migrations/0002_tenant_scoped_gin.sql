-- Search indexes that carry the tenant: with btree_gin a GIN index holds (tenant_id, …), so a substring or tag
-- condition returns only the caller's tenant's rows from the index instead of every tenant's matches
-- (bench/retention-plans.sh shows the plans at one million documents per tenant).
CREATE EXTENSION IF NOT EXISTS btree_gin;

DROP INDEX retention.ix_document_counterparty;
DROP INDEX retention.ix_document_title;
DROP INDEX retention.ix_document_parties;
DROP INDEX retention.ix_document_tags;
CREATE INDEX ix_document_counterparty ON retention.document USING gin (tenant_id, counterparty gin_trgm_ops);
CREATE INDEX ix_document_title ON retention.document USING gin (tenant_id, title gin_trgm_ops);
CREATE INDEX ix_document_parties ON retention.document USING gin (tenant_id, parties_text gin_trgm_ops);
CREATE INDEX ix_document_tags ON retention.document USING gin (tenant_id, tags);
