using System.Text.Json;
using GmoSign.Grains;
using Npgsql;
using NpgsqlTypes;

namespace GmoSign.Reseller;

internal enum ChangeKind : short { RegisteredData = 1, Inheritance = 2, Merger = 3, Transfer = 4 }

internal enum ChangeState : short { Pending = 1, Confirmed = 2, Rejected = 3, Confirming = 4 }

internal sealed record ChangeRequestRecord(
    Guid ChangeRequestId, Guid TenantId, Guid ResellerId, ChangeKind Kind, CustomerProfile Proposed, CustomerProfile Current,
    string Reason, ChangeState State, string FiledBy, DateTimeOffset FiledAt, DateTimeOffset? DecidedAt, string? DecisionNote);

internal sealed record NoticeRecord(
    Guid NoticeId, short Kind, string TitleJa, string TitleEn, string BodyJa, string BodyEn, DateTimeOffset EffectiveAt,
    string? OptionCode, DateTimeOffset PublishedAt);

/// <summary>Change requests, notices and terms consents (schema <c>reseller</c>).</summary>
internal sealed class ContractStore(NpgsqlDataSource db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string ChangeColumns =
        "change_request_id, tenant_id, reseller_id, kind, proposed, current, reason, status, filed_by, filed_at, decided_at, decision_note";

    /// <summary>False when the tenant already has an open request.</summary>
    public async Task<bool> FileAsync(ChangeRequestRecord r, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.change_request (change_request_id, tenant_id, reseller_id, kind, proposed, current, reason, status, filed_by, filed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9)
            ON CONFLICT (tenant_id) WHERE status IN (1, 4) DO NOTHING
            """);
        command.Parameters.AddWithValue(r.ChangeRequestId);
        command.Parameters.AddWithValue(r.TenantId);
        command.Parameters.AddWithValue(r.ResellerId);
        command.Parameters.AddWithValue((short)r.Kind);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(r.Proposed, Json));
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(r.Current, Json));
        command.Parameters.AddWithValue(r.Reason);
        command.Parameters.AddWithValue(r.FiledBy);
        command.Parameters.AddWithValue(r.FiledAt);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<ChangeRequestRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {ChangeColumns} FROM reseller.change_request WHERE change_request_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadChange(reader) : null;
    }

    public async Task<List<ChangeRequestRecord>> ListAsync(Guid? tenantId, Guid? resellerId, ChangeState? state, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            SELECT {ChangeColumns} FROM reseller.change_request
            WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR reseller_id = $2)
              AND ($3::smallint IS NULL OR status = $3)
            ORDER BY filed_at DESC, change_request_id DESC
            LIMIT 200
            """);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)tenantId ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)resellerId ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Smallint, state is { } s ? (short)s : DBNull.Value);
        var list = new List<ChangeRequestRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadChange(reader));
        }
        return list;
    }

    /// <summary>Moves a request between states; null when it was in none of <paramref name="from"/>.</summary>
    public async Task<ChangeRequestRecord?> TransitionAsync(Guid id, ChangeState[] from, ChangeState to, Guid by, DateTimeOffset at, string? note, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            UPDATE reseller.change_request
            SET status = $3, decided_by = $4, decided_at = $5, decision_note = coalesce($6, decision_note)
            WHERE change_request_id = $1 AND status = ANY($2)
              AND (status <> 4 OR decided_by = $4)   -- only the operator who claimed a confirmation may finish it
            RETURNING {ChangeColumns}
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(from.Select(s => (short)s).ToArray());
        command.Parameters.AddWithValue((short)to);
        command.Parameters.AddWithValue(by);
        command.Parameters.AddWithValue(at);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)note ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadChange(reader) : null;
    }

    public async Task PublishNoticeAsync(NoticeRecord n, Guid by, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.notice (notice_id, kind, title_ja, title_en, body_ja, body_en, effective_at, option_code, published_at, published_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """);
        command.Parameters.AddWithValue(n.NoticeId);
        command.Parameters.AddWithValue(n.Kind);
        command.Parameters.AddWithValue(n.TitleJa);
        command.Parameters.AddWithValue(n.TitleEn);
        command.Parameters.AddWithValue(n.BodyJa);
        command.Parameters.AddWithValue(n.BodyEn);
        command.Parameters.AddWithValue(n.EffectiveAt);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)n.OptionCode ?? DBNull.Value);
        command.Parameters.AddWithValue(n.PublishedAt);
        command.Parameters.AddWithValue(by);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Notices for everyone plus those about options in <paramref name="options"/> (null = all notices).</summary>
    public async Task<List<NoticeRecord>> NoticesAsync(string[]? options, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT notice_id, kind, title_ja, title_en, body_ja, body_en, effective_at, option_code, published_at
            FROM reseller.notice
            WHERE $1::text[] IS NULL OR option_code IS NULL OR option_code = ANY($1)
            ORDER BY published_at DESC, notice_id DESC
            LIMIT 200
            """);
        command.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Text, (object?)options ?? DBNull.Value);
        var list = new List<NoticeRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new NoticeRecord(reader.GetGuid(0), reader.GetInt16(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return list;
    }

    /// <summary>Records a consent unless one exists for that version; true when this call recorded it.</summary>
    public async Task<bool> RecordConsentAsync(Guid tenantId, string version, string kind, Guid? userId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.terms_consent (tenant_id, version, kind, user_id, consented_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (tenant_id, version) DO NOTHING
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(version);
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)userId ?? DBNull.Value);
        command.Parameters.AddWithValue(at);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static ChangeRequestRecord ReadChange(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), (ChangeKind)r.GetInt16(3),
        JsonSerializer.Deserialize<CustomerProfile>(r.GetString(4), Json)!,
        JsonSerializer.Deserialize<CustomerProfile>(r.GetString(5), Json)!,
        r.GetString(6), (ChangeState)r.GetInt16(7), r.GetString(8), r.GetFieldValue<DateTimeOffset>(9),
        r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetString(11));
}
