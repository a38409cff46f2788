using System.Text.Json;
using GmoSign.Grains;
using Npgsql;
using NpgsqlTypes;

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

    /// <summary>Inserts the application unless this reseller already used the request id; returns the stored one.</summary>
    public async Task<ApplicationRecord> InsertAsync(ApplicationRecord record, string? corporateNumber, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            WITH inserted AS (
                INSERT INTO reseller.application (application_id, reseller_id, request_id, status, data, corporate_number, findings, submitted_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (reseller_id, request_id) DO NOTHING
                RETURNING {Columns}
            )
            SELECT {Columns} FROM inserted
            UNION ALL
            SELECT {Columns} FROM reseller.application WHERE reseller_id = $2 AND request_id = $3
            LIMIT 1
            """);
        command.Parameters.AddWithValue(record.ApplicationId);
        command.Parameters.AddWithValue(record.ResellerId);
        command.Parameters.AddWithValue(record.RequestId);
        command.Parameters.AddWithValue((short)record.State);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(record.Data, Json));
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)corporateNumber ?? DBNull.Value);
        command.Parameters.AddWithValue(record.Findings);
        command.Parameters.AddWithValue(record.SubmittedAt);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    public async Task<ApplicationRecord?> GetAsync(Guid applicationId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM reseller.application WHERE application_id = $1");
        command.Parameters.AddWithValue(applicationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<List<ApplicationRecord>> ListAsync(Guid? resellerId, ApplicationState? state, (DateTimeOffset At, Guid Id)? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            SELECT {Columns} FROM reseller.application
            WHERE ($1::uuid IS NULL OR reseller_id = $1)
              AND ($2::smallint IS NULL OR status = $2)
              AND ($3::timestamptz IS NULL OR (submitted_at, application_id) < ($3, $4::uuid))
            ORDER BY submitted_at DESC, application_id DESC
            LIMIT $5
            """);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)resellerId ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Smallint, state is { } s ? (short)s : DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)before?.At ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)before?.Id ?? DBNull.Value);
        command.Parameters.AddWithValue(limit);
        var list = new List<ApplicationRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }
        return list;
    }

    /// <summary>
    /// Moves the application from one of <paramref name="from"/> to <paramref name="to"/>, recording the decision.
    /// Returns null when it was in none of those states (someone else decided first).
    /// </summary>
    public async Task<ApplicationRecord?> TransitionAsync(Guid applicationId, ApplicationState[] from, ApplicationState to,
        Guid decidedBy, DateTimeOffset at, string[]? reasons, string? note, Guid? tenantId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            UPDATE reseller.application
            SET status = $3, decided_by = $4, decided_at = $5,
                rejection_reasons = coalesce($6, rejection_reasons),
                decision_note = coalesce($7, decision_note),
                tenant_id = coalesce($8, tenant_id)
            WHERE application_id = $1 AND status = ANY($2)
              AND (status <> 4 OR decided_by = $4)   -- only the operator who claimed an approval may finish it
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue(applicationId);
        command.Parameters.AddWithValue(from.Select(s => (short)s).ToArray());
        command.Parameters.AddWithValue((short)to);
        command.Parameters.AddWithValue(decidedBy);
        command.Parameters.AddWithValue(at);
        command.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Text, (object?)reasons ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)note ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)tenantId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Screening look-up: what is on record against this organization.</summary>
    public async Task<HashSet<string>> OrganizationRecordsAsync(string corporateNumber, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT DISTINCT kind FROM reseller.organization_record WHERE corporate_number = $1
            """);
        command.Parameters.AddWithValue(corporateNumber);
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            kinds.Add(reader.GetString(0));
        }
        return kinds;
    }

    public async Task AddOrganizationRecordAsync(string corporateNumber, string kind, string note, Guid? recordedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.organization_record (record_id, corporate_number, kind, note, recorded_by, recorded_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            """);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(corporateNumber);
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(note);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)recordedBy ?? DBNull.Value);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ApplicationRecord Read(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.GetGuid(1),
        r.GetString(2),
        (ApplicationState)r.GetInt16(3),
        JsonSerializer.Deserialize<ApplicationData>(r.GetString(4), Json)!,
        r.GetFieldValue<string[]>(5),
        r.GetFieldValue<string[]>(6),
        r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetGuid(9),
        r.GetFieldValue<DateTimeOffset>(10));
}
