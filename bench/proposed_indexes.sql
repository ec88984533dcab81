-- Indexes the benchmark found missing (see bench/results/latest.md, "EXPLAIN ANALYZE").
-- Not migrations: the apps' owners add them (opportunities, accounts). `python -m bench.run
-- --proposed-indexes` applies them to the benchmark database only, to measure the effect.

-- The default order of each list, so that a page is read from an index instead of sorting
-- every row of the tenant (opportunities: close_date, id; activities: -occurred_at, -id;
-- campaigns: -starts_on, id).
CREATE INDEX IF NOT EXISTS bench_opportunity_tenant_close ON opportunities_opportunity (tenant_id, close_date, id);
CREATE INDEX IF NOT EXISTS bench_activity_tenant_occurred ON opportunities_activity (tenant_id, occurred_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS bench_campaign_tenant_starts ON opportunities_campaign (tenant_id, starts_on DESC, id);

-- `search` is `UPPER(name) LIKE UPPER('%text%')` (icontains): only a trigram index serves it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS bench_opportunity_name_trgm ON opportunities_opportunity USING gin (upper(name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS bench_subsidiary_name_trgm ON accounts_subsidiary USING gin (upper(name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS bench_global_account_name_trgm ON accounts_globalaccount USING gin (upper(name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS bench_campaign_name_trgm ON opportunities_campaign USING gin (upper(name::text) gin_trgm_ops);

ANALYZE opportunities_opportunity, opportunities_activity, opportunities_campaign, accounts_subsidiary, accounts_globalaccount;
