#!/usr/bin/env bash
# Query plans for retention search at 1 million documents per tenant (electronic bookkeeping search):
# seeds a throwaway cluster (.data/postgres-bench, port 55434) with the real schema, then EXPLAIN ANALYZE.
#   bench/retention-plans.sh [documents-per-tenant]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source deploy/local/postgres.sh
n=${1:-1000000}
dir="$root/.data/postgres-bench"
pg_destroy "$dir"
pg_provision "$dir" 55434
trap 'pg_stop "$dir"' EXIT
export PGPASSWORD="$(cat "$root/.data/secrets/postgres-password")"
psql=(psql -h 127.0.0.1 -p 55434 -U gmosign -d gmosign -v ON_ERROR_STOP=1 -q -X)
for migration in src/Modules/Retention/GmoSign.Retention/Migrations/*.sql; do "${psql[@]}" -f "$migration"; done
echo "==> seeding $n documents for tenant A and $((n / 5)) for tenant B"
"${psql[@]}" <<SQL
INSERT INTO retention.document (document_id, tenant_id, title, document_type, transaction_date, amount, currency, counterparty,
    parties, parties_text, tags, file_name, source, size_bytes, sha256, retention_until, stored_at, stored_by)
SELECT gen_random_uuid(), t.tenant, '契約書 第' || g || '号', (ARRAY['contract','invoice','receipt','quotation'])[1 + g % 4],
       date '2016-01-01' + (g % 3650), (g::bigint * 7919) % 10000000, 'JPY',
       (ARRAY['株式会社テスト商事','テスト物産株式会社','有限会社サンプル','Acme Corporation','株式会社山田製作所'])[1 + g % 5] || ' ' || (g % 997) || '支店',
       ARRAY['担当者' || (g % 50)], '担当者' || (g % 50), CASE WHEN g % 10 = 0 THEN ARRAY['重要'] ELSE '{}' END, 'c.pdf', 1, 100000,
       sha256(g::text::bytea), date '2030-01-01', now(), 'bench'
FROM (VALUES ('00000000-0000-0000-0000-00000000000a'::uuid, $n), ('00000000-0000-0000-0000-00000000000b'::uuid, $n / 5)) AS t(tenant, count),
     LATERAL generate_series(1, t.count) AS g;
ANALYZE retention.document;
SQL
a="'00000000-0000-0000-0000-00000000000a'"
cols="document_id, title, transaction_date, amount, counterparty"
for q in \
  "transaction_date BETWEEN '2024-04-01' AND '2025-03-31'" \
  "amount BETWEEN 1000000 AND 1010000" \
  "counterparty ILIKE '%テスト商事 12支店%'" \
  "transaction_date BETWEEN '2024-04-01' AND '2025-03-31' AND amount BETWEEN 100000 AND 2000000 AND counterparty ILIKE '%山田製作所%'" \
  "tags @> ARRAY['重要'] AND document_type = 'invoice'" \
  "(transaction_date, document_id) < ('2020-06-01', '00000000-0000-0000-0000-000000000000')"; do
  echo; echo "==> WHERE tenant_id = A AND $q"
  "${psql[@]}" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT $cols FROM retention.document WHERE tenant_id = $a AND $q ORDER BY transaction_date DESC, document_id DESC LIMIT 51" \
    | grep -E "Scan|Index Cond|Filter|Rows Removed|Execution Time|Limit|Sort|Recheck|Bitmap"
done
