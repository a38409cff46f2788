using GmoSign.Reseller.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace GmoSign.Reseller;

internal sealed record UsageMonth(DateOnly Month, long EnvelopesSent, long Signatures, long StorageBytes, int ActiveSeats, long? FeePaidJpy);

/// <summary><c>reseller.usage_month</c>: one row per tenant and JST month, upserted by increments.</summary>
internal sealed class UsageStore(NpgsqlDataSource db) : IUsageRecorder
{
    private static readonly TimeSpan Jst = TimeSpan.FromHours(9);

    public static DateOnly MonthOf(DateTimeOffset at)
    {
        var local = at.ToOffset(Jst);
        return new DateOnly(local.Year, local.Month, 1);
    }

    public async Task AddAsync(Guid tenantId, DateTimeOffset at, long envelopesSent, long signatures, long storageBytesDelta, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.usage_month AS u (tenant_id, month, envelopes_sent, signatures, storage_bytes)
            VALUES ($1, $2, $3, $4, greatest($5, 0))
            ON CONFLICT (tenant_id, month) DO UPDATE
            SET envelopes_sent = u.envelopes_sent + excluded.envelopes_sent,
                signatures = u.signatures + excluded.signatures,
                storage_bytes = greatest(u.storage_bytes + $5, 0)
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(MonthOf(at));
        command.Parameters.AddWithValue(envelopesSent);
        command.Parameters.AddWithValue(signatures);
        command.Parameters.AddWithValue(storageBytesDelta);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordActiveSeatsAsync(Guid tenantId, DateTimeOffset at, int activeSeats, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.usage_month AS u (tenant_id, month, active_seats) VALUES ($1, $2, $3)
            ON CONFLICT (tenant_id, month) DO UPDATE SET active_seats = greatest(u.active_seats, excluded.active_seats)
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(MonthOf(at));
        command.Parameters.AddWithValue(activeSeats);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every month from..to (inclusive), zeros where nothing was recorded.</summary>
    public async Task<List<UsageMonth>> GetAsync(Guid tenantId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT m::date, coalesce(u.envelopes_sent, 0), coalesce(u.signatures, 0), coalesce(u.storage_bytes, 0),
                   coalesce(u.active_seats, 0), u.fee_paid_jpy
            FROM generate_series($2::date, $3::date, interval '1 month') AS m
            LEFT JOIN reseller.usage_month u ON u.tenant_id = $1 AND u.month = m::date
            ORDER BY m
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        var months = new List<UsageMonth>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            months.Add(new UsageMonth(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.GetInt64(3), reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        }
        return months;
    }

    public async Task<UsageMonth> ReportFeeAsync(Guid tenantId, DateOnly month, long feePaidJpy, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.usage_month AS u (tenant_id, month, fee_paid_jpy) VALUES ($1, $2, $3)
            ON CONFLICT (tenant_id, month) DO UPDATE SET fee_paid_jpy = excluded.fee_paid_jpy
            RETURNING month, envelopes_sent, signatures, storage_bytes, active_seats, fee_paid_jpy
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(month);
        command.Parameters.AddWithValue(NpgsqlDbType.Bigint, feePaidJpy);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new UsageMonth(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
            reader.GetInt32(4), reader.GetInt64(5));
    }
}
