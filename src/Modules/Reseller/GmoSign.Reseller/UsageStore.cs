using Dapper;
using GmoSign.Reseller.Contracts;
using Npgsql;

namespace GmoSign.Reseller;

internal sealed record UsageMonth(DateOnly Month, long EnvelopesSent, long Signatures, long StorageBytes, int ActiveSeats, long? FeePaidJpy);

/// <summary><c>reseller.usage_month</c>: one row per tenant and JST month, upserted by increments.</summary>
internal sealed class UsageStore(NpgsqlDataSource db, TimeProvider clock) : IUsageRecorder
{
    public static DateOnly MonthOf(DateTimeOffset at) => JapanTime.MonthOf(at);

    /// <summary>
    /// Adds to the month's counters. A storage change moves the tenant's running total and writes it as the month's
    /// figure; a month row created otherwise starts from the running total, so the figure is "bytes stored now".
    /// </summary>
    public async Task AddOnceAsync(IReadOnlyList<KeyedUsage> additions, CancellationToken cancellationToken)
    {
        if (additions.Count == 0)
        {
            return;
        }
        // One statement for the batch: keys seen before add nothing; the rest are summed per tenant and month.
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH input AS (
                SELECT * FROM unnest(@Keys::text[], @TenantIds::uuid[], @Months::date[], @EnvelopesSent::bigint[], @Signatures::bigint[])
                    AS i(key, tenant_id, month, envelopes_sent, signatures)),
            first AS (
                INSERT INTO reseller.usage_applied (key, tenant_id, applied_at)
                SELECT key, tenant_id, now() FROM input ON CONFLICT (key) DO NOTHING RETURNING key),
            pruned AS (
                DELETE FROM reseller.usage_applied WHERE key IN (
                    SELECT key FROM reseller.usage_applied WHERE applied_at < now() - interval '30 days' LIMIT 1000)),
            sums AS (
                SELECT i.tenant_id, i.month, sum(i.envelopes_sent)::bigint AS envelopes_sent, sum(i.signatures)::bigint AS signatures
                FROM input i JOIN first f ON f.key = i.key GROUP BY i.tenant_id, i.month)
            INSERT INTO reseller.usage_month AS u (tenant_id, month, envelopes_sent, signatures, storage_bytes)
            SELECT s.tenant_id, s.month, s.envelopes_sent, s.signatures,
                   coalesce((SELECT bytes FROM reseller.storage_total t WHERE t.tenant_id = s.tenant_id), 0)
            FROM sums s ORDER BY s.tenant_id, s.month
            ON CONFLICT (tenant_id, month) DO UPDATE
            SET envelopes_sent = u.envelopes_sent + excluded.envelopes_sent, signatures = u.signatures + excluded.signatures
            """, new
        {
            Keys = additions.Select(a => a.Key).ToArray(),
            TenantIds = additions.Select(a => a.TenantId).ToArray(),
            Months = additions.Select(a => MonthOf(a.At)).ToArray(),
            EnvelopesSent = additions.Select(a => a.EnvelopesSent).ToArray(),
            Signatures = additions.Select(a => a.Signatures).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    public async Task AddAsync(Guid tenantId, DateTimeOffset at, long envelopesSent, long signatures, long storageBytesDelta, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(storageBytesDelta == 0
            ? $"""
              INSERT INTO reseller.usage_month AS u (tenant_id, month, envelopes_sent, signatures, storage_bytes)
              VALUES (@TenantId, @Month, @EnvelopesSent, @Signatures, {CurrentStorage})
              ON CONFLICT (tenant_id, month) DO UPDATE
              SET envelopes_sent = u.envelopes_sent + excluded.envelopes_sent, signatures = u.signatures + excluded.signatures
              """
            : """
              WITH total AS (
                  INSERT INTO reseller.storage_total AS t (tenant_id, bytes) VALUES (@TenantId, greatest(@StorageBytesDelta, 0))
                  ON CONFLICT (tenant_id) DO UPDATE SET bytes = greatest(t.bytes + @StorageBytesDelta, 0)
                  RETURNING bytes)
              INSERT INTO reseller.usage_month AS u (tenant_id, month, envelopes_sent, signatures, storage_bytes)
              VALUES (@TenantId, @Month, @EnvelopesSent, @Signatures, (SELECT bytes FROM total))
              ON CONFLICT (tenant_id, month) DO UPDATE
              SET envelopes_sent = u.envelopes_sent + excluded.envelopes_sent, signatures = u.signatures + excluded.signatures,
                  storage_bytes = excluded.storage_bytes
              """,
            // Dapper sends only the parameters the statement names: no StorageBytesDelta when there is no storage change.
            new { TenantId = tenantId, Month = MonthOf(at), EnvelopesSent = envelopesSent, Signatures = signatures, StorageBytesDelta = storageBytesDelta },
            cancellationToken: cancellationToken));
    }

    /// <summary>The running total, for month rows that start without a storage change.</summary>
    private const string CurrentStorage = "coalesce((SELECT bytes FROM reseller.storage_total WHERE tenant_id = @TenantId), 0)";

    public async Task RecordActiveSeatsAsync(Guid tenantId, DateTimeOffset at, int activeSeats, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO reseller.usage_month AS u (tenant_id, month, active_seats, storage_bytes) VALUES (@TenantId, @Month, @ActiveSeats, {CurrentStorage})
            ON CONFLICT (tenant_id, month) DO UPDATE SET active_seats = greatest(u.active_seats, excluded.active_seats)
            """, new { TenantId = tenantId, Month = MonthOf(at), ActiveSeats = activeSeats }, cancellationToken: cancellationToken));
    }

    /// <summary>Every month from..to (inclusive), zeros where nothing was recorded.</summary>
    public async Task<List<UsageMonth>> GetAsync(Guid tenantId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<UsageMonth>(new CommandDefinition("""
            SELECT m::date AS month, coalesce(u.envelopes_sent, 0) AS envelopes_sent, coalesce(u.signatures, 0) AS signatures,
                   -- A month without a row stores what the last earlier month did (not in the future).
                   coalesce(u.storage_bytes, CASE WHEN m::date <= @ThisMonth THEN (SELECT p.storage_bytes FROM reseller.usage_month p
                       WHERE p.tenant_id = @TenantId AND p.month < m::date ORDER BY p.month DESC LIMIT 1) END, 0) AS storage_bytes,
                   coalesce(u.active_seats, 0) AS active_seats, u.fee_paid_jpy
            FROM generate_series(@From::date, @To::date, interval '1 month') AS m
            LEFT JOIN reseller.usage_month u ON u.tenant_id = @TenantId AND u.month = m::date
            ORDER BY m
            """, new { TenantId = tenantId, From = from, To = to, ThisMonth = MonthOf(clock.GetUtcNow()) }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<UsageMonth> ReportFeeAsync(Guid tenantId, DateOnly month, long feePaidJpy, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.QueryFirstAsync<UsageMonth>(new CommandDefinition($"""
            INSERT INTO reseller.usage_month AS u (tenant_id, month, fee_paid_jpy, storage_bytes) VALUES (@TenantId, @Month, @FeePaidJpy, {CurrentStorage})
            ON CONFLICT (tenant_id, month) DO UPDATE SET fee_paid_jpy = excluded.fee_paid_jpy
            RETURNING month, envelopes_sent, signatures, storage_bytes, active_seats, fee_paid_jpy
            """, new { TenantId = tenantId, Month = month, FeePaidJpy = feePaidJpy }, cancellationToken: cancellationToken));
    }
}
