using System.Text.Json;
using Dapper;
using GmoSign.Grains;
using GmoSign.Platform.Database;
using Npgsql;

namespace GmoSign.Reseller;

internal enum ApplicationState : short
{
    Pending = 1,
    Approved = 2,
    Rejected = 3,
    Approving = 4,
}

internal sealed record IdentityEvidence(string Method, string Reference, DateOnly VerifiedOn);

/// <summary>An application as submitted (validated).</summary>
internal sealed record ApplicationData(
    CustomerProfile Customer,
    string Plan,
    int TermMonths,
    SortedDictionary<string, int> Options,
    IdentityEvidence? Identity,
    bool AntiSocialForcesDeclared,
    DateOnly? DateOfBirth,
    bool GuardianConsent,
    string AcceptedTermsVersion);

internal sealed record ApplicationRecord(
    Guid ApplicationId,
    Guid ResellerId,
    string RequestId,
    ApplicationState State,
    ApplicationData Data,
    string[] Findings,
    string[] RejectionReasons,
    string? DecisionNote,
    DateTimeOffset? DecidedAt,
    Guid? TenantId,
    DateTimeOffset SubmittedAt);

/// <summary>Schema <c>reseller.application</c>. Decisions are conditional updates, so two operators cannot both decide.</summary>
internal sealed class ApplicationStore(NpgsqlDataSource db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns =
        "application_id, reseller_id, request_id, status, data, findings, rejection_reasons, decision_note, decided_at, tenant_id, submitted_at";

    /// <summary>A row as stored: the application data is JSON.</summary>
    private sealed record Row(
        Guid ApplicationId, Guid ResellerId, string RequestId, ApplicationState Status, string Data, string[] Findings, string[] RejectionReasons,
        string? DecisionNote, DateTimeOffset? DecidedAt, Guid? TenantId, DateTimeOffset SubmittedAt)
    {
        public ApplicationRecord ToRecord() => new(ApplicationId, ResellerId, RequestId, Status,
            JsonSerializer.Deserialize<ApplicationData>(Data, Json)!, Findings, RejectionReasons, DecisionNote, DecidedAt, TenantId, SubmittedAt);
    }

    /// <summary>Inserts the application unless this reseller already used the request id; returns the stored one.</summary>
    public async Task<ApplicationRecord> InsertAsync(ApplicationRecord record, string? corporateNumber, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QueryFirstAsync<Row>(new CommandDefinition($"""
            WITH inserted AS (
                INSERT INTO reseller.application (application_id, reseller_id, request_id, status, data, corporate_number, findings, submitted_at)
                VALUES (@ApplicationId, @ResellerId, @RequestId, @State, @Data, @CorporateNumber, @Findings, @SubmittedAt)
                ON CONFLICT (reseller_id, request_id) DO NOTHING
                RETURNING {Columns}
            )
            SELECT {Columns} FROM inserted
            UNION ALL
            SELECT {Columns} FROM reseller.application WHERE reseller_id = @ResellerId AND request_id = @RequestId
            LIMIT 1
            """, new
        {
            record.ApplicationId, record.ResellerId, record.RequestId, State = (short)record.State,
            Data = new JsonbParameter(JsonSerializer.Serialize(record.Data, Json)), CorporateNumber = corporateNumber, record.Findings,
            record.SubmittedAt,
        }, cancellationToken: cancellationToken));
        return row.ToRecord();
    }

    public async Task<ApplicationRecord?> GetAsync(Guid applicationId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM reseller.application WHERE application_id = @ApplicationId",
            new { ApplicationId = applicationId }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<List<ApplicationRecord>> ListAsync(Guid? resellerId, ApplicationState? state, (DateTimeOffset At, Guid Id)? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM reseller.application
            WHERE (@ResellerId::uuid IS NULL OR reseller_id = @ResellerId)
              AND (@State::smallint IS NULL OR status = @State)
              AND (@BeforeAt::timestamptz IS NULL OR (submitted_at, application_id) < (@BeforeAt, @BeforeId::uuid))
            ORDER BY submitted_at DESC, application_id DESC
            LIMIT @Limit
            """, new { ResellerId = resellerId, State = (short?)state, BeforeAt = before?.At, BeforeId = before?.Id, Limit = limit },
            cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    /// <summary>
    /// Moves the application from one of <paramref name="from"/> to <paramref name="to"/>, recording the decision.
    /// Returns null when it was in none of those states (someone else decided first).
    /// </summary>
    public async Task<ApplicationRecord?> TransitionAsync(Guid applicationId, ApplicationState[] from, ApplicationState to,
        Guid decidedBy, DateTimeOffset at, string[]? reasons, string? note, Guid? tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition($"""
            UPDATE reseller.application
            SET status = @To, decided_by = @DecidedBy, decided_at = @At,
                rejection_reasons = coalesce(@Reasons::text[], rejection_reasons),
                decision_note = coalesce(@Note, decision_note),
                tenant_id = coalesce(@TenantId, tenant_id)
            WHERE application_id = @ApplicationId AND status = ANY(@From)
              AND (status <> 4 OR decided_by = @DecidedBy)   -- only the operator who claimed an approval may finish it
            RETURNING {Columns}
            """, new
        {
            ApplicationId = applicationId, From = from.Select(s => (short)s).ToArray(), To = (short)to, DecidedBy = decidedBy, At = at,
            Reasons = reasons, Note = note, TenantId = tenantId,
        }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>Screening look-up: what is on record against this organization.</summary>
    public async Task<HashSet<string>> OrganizationRecordsAsync(string corporateNumber, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var kinds = await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT DISTINCT kind FROM reseller.organization_record WHERE corporate_number = @CorporateNumber
            """, new { CorporateNumber = corporateNumber }, cancellationToken: cancellationToken));
        return new HashSet<string>(kinds, StringComparer.Ordinal);
    }

    public async Task AddOrganizationRecordAsync(string corporateNumber, string kind, string note, Guid? recordedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.organization_record (record_id, corporate_number, kind, note, recorded_by, recorded_at)
            VALUES (@RecordId, @CorporateNumber, @Kind, @Note, @RecordedBy, @At)
            """, new { RecordId = Guid.CreateVersion7(), CorporateNumber = corporateNumber, Kind = kind, Note = note, RecordedBy = recordedBy, At = at },
            cancellationToken: cancellationToken));
    }
}
