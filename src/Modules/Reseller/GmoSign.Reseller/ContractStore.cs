using System.Text.Json;
using Dapper;
using GmoSign.Grains;
using GmoSign.Platform.Database;
using Npgsql;

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

    /// <summary>A change request as stored: the customer profiles are JSON.</summary>
    private sealed record ChangeRow(
        Guid ChangeRequestId, Guid TenantId, Guid ResellerId, ChangeKind Kind, string Proposed, string Current, string Reason, ChangeState Status,
        string FiledBy, DateTimeOffset FiledAt, DateTimeOffset? DecidedAt, string? DecisionNote)
    {
        public ChangeRequestRecord ToRecord() => new(ChangeRequestId, TenantId, ResellerId, Kind,
            JsonSerializer.Deserialize<CustomerProfile>(Proposed, Json)!, JsonSerializer.Deserialize<CustomerProfile>(Current, Json)!,
            Reason, Status, FiledBy, FiledAt, DecidedAt, DecisionNote);
    }

    /// <summary>False when the tenant already has an open request.</summary>
    public async Task<bool> FileAsync(ChangeRequestRecord r, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.change_request (change_request_id, tenant_id, reseller_id, kind, proposed, current, reason, status, filed_by, filed_at)
            VALUES (@ChangeRequestId, @TenantId, @ResellerId, @Kind, @Proposed, @Current, @Reason, 1, @FiledBy, @FiledAt)
            ON CONFLICT (tenant_id) WHERE status IN (1, 4) DO NOTHING
            """, new
        {
            r.ChangeRequestId, r.TenantId, r.ResellerId, Kind = (short)r.Kind,
            Proposed = new JsonbParameter(JsonSerializer.Serialize(r.Proposed, Json)), Current = new JsonbParameter(JsonSerializer.Serialize(r.Current, Json)),
            r.Reason, r.FiledBy, r.FiledAt,
        }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<ChangeRequestRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QueryFirstOrDefaultAsync<ChangeRow>(new CommandDefinition(
            $"SELECT {ChangeColumns} FROM reseller.change_request WHERE change_request_id = @Id",
            new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<List<ChangeRequestRecord>> ListAsync(Guid? tenantId, Guid? resellerId, ChangeState? state, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition($"""
            SELECT {ChangeColumns} FROM reseller.change_request
            WHERE (@TenantId::uuid IS NULL OR tenant_id = @TenantId) AND (@ResellerId::uuid IS NULL OR reseller_id = @ResellerId)
              AND (@State::smallint IS NULL OR status = @State)
            ORDER BY filed_at DESC, change_request_id DESC
            LIMIT 200
            """, new { TenantId = tenantId, ResellerId = resellerId, State = (short?)state }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    /// <summary>Moves a request between states; null when it was in none of <paramref name="from"/>.</summary>
    public async Task<ChangeRequestRecord?> TransitionAsync(Guid id, ChangeState[] from, ChangeState to, Guid by, DateTimeOffset at, string? note, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QueryFirstOrDefaultAsync<ChangeRow>(new CommandDefinition($"""
            UPDATE reseller.change_request
            SET status = @To, decided_by = @By, decided_at = @At, decision_note = coalesce(@Note, decision_note)
            WHERE change_request_id = @Id AND status = ANY(@From)
              AND (status <> 4 OR decided_by = @By)   -- only the operator who claimed a confirmation may finish it
            RETURNING {ChangeColumns}
            """, new { Id = id, From = from.Select(s => (short)s).ToArray(), To = (short)to, By = by, At = at, Note = note },
            cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task PublishNoticeAsync(NoticeRecord n, Guid by, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.notice (notice_id, kind, title_ja, title_en, body_ja, body_en, effective_at, option_code, published_at, published_by)
            VALUES (@NoticeId, @Kind, @TitleJa, @TitleEn, @BodyJa, @BodyEn, @EffectiveAt, @OptionCode, @PublishedAt, @By)
            """, new { n.NoticeId, n.Kind, n.TitleJa, n.TitleEn, n.BodyJa, n.BodyEn, n.EffectiveAt, n.OptionCode, n.PublishedAt, By = by },
            cancellationToken: cancellationToken));
    }

    /// <summary>Notices for everyone plus those about options in <paramref name="options"/> (null = all notices).</summary>
    public async Task<List<NoticeRecord>> NoticesAsync(string[]? options, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<NoticeRecord>(new CommandDefinition("""
            SELECT notice_id, kind, title_ja, title_en, body_ja, body_en, effective_at, option_code, published_at
            FROM reseller.notice
            WHERE @Options::text[] IS NULL OR option_code IS NULL OR option_code = ANY(@Options)
            ORDER BY published_at DESC, notice_id DESC
            LIMIT 200
            """, new { Options = options }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Records a consent unless one exists for that version; true when this call recorded it.</summary>
    public async Task<bool> RecordConsentAsync(Guid tenantId, string version, string kind, Guid? userId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.terms_consent (tenant_id, version, kind, user_id, consented_at) VALUES (@TenantId, @Version, @Kind, @UserId, @At)
            ON CONFLICT (tenant_id, version) DO NOTHING
            """, new { TenantId = tenantId, Version = version, Kind = kind, UserId = userId, At = at }, cancellationToken: cancellationToken)) == 1;
    }
}
