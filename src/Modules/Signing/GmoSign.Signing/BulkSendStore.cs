using System.Text.Json;
using Dapper;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>What a row sends: the people for the roles, the merge values and an optional title.</summary>
internal sealed record BulkRowInput(List<BulkPerson> People, Dictionary<string, string> Merge, string Title);

internal sealed record BulkPerson(string RoleLabel, string Name, string Email, string UserId, string AccessCode);

/// <summary>One problem of a row: the CSV column (empty: the row) and the message in both languages.</summary>
internal sealed record BulkRowProblem(string Column, string Japanese, string English);

/// <summary>A row as checked: its input when valid, its problems when not.</summary>
internal sealed record CheckedRow(int Row, BulkRowInput? Input, IReadOnlyList<BulkRowProblem> Problems);

/// <summary>The caller who started a bulk send, kept so that the rows' envelopes name the same sender as a direct call would.</summary>
internal sealed record StoredCaller(CallerKind Kind, Guid? UserId, Guid TenantId, List<string> Roles, string DisplayName, string? IpAddress, string? UserAgent)
{
    public static StoredCaller Of(Caller caller) =>
        new(caller.Kind, caller.UserId, caller.RequireTenant(), [.. caller.Roles], caller.DisplayName, caller.IpAddress, caller.UserAgent);

    public Caller ToCaller() => new(Kind, UserId, TenantId, null, Roles, DisplayName) { IpAddress = IpAddress, UserAgent = UserAgent };
}

internal sealed record BulkSendRecord(
    Guid BulkSendId, Guid TenantId, Guid TemplateId, int TemplateVersion, string FileName, string Encoding, string Status, int TotalRows,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, int InvalidRows, int PendingRows, int CreatedRows, int SentRows,
    int FailedRows, int CancelledRows, Guid? CreatedByUser);

internal sealed record BulkRowRecord(int RowNumber, string Status, Guid? EnvelopeId, string? Errors);

/// <summary>A row the worker claimed.</summary>
internal sealed record ClaimedRow(Guid BulkSendId, int RowNumber, Guid TenantId, string Status, string Input, Guid? EnvelopeId, int Attempts,
    Guid TemplateId, int TemplateVersion, string Caller);

/// <summary>Bulk sends in PostgreSQL: the send and its rows, their claims by the worker, progress and cancellation. Every read is tenant-scoped.</summary>
internal sealed class BulkSendStore(NpgsqlDataSource db, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Summary = """
        SELECT b.bulk_send_id, b.tenant_id, b.template_id, b.template_version, b.file_name, b.encoding, b.status, b.total_rows, b.created_by,
               b.created_at, b.finished_at,
               count(*) FILTER (WHERE r.status = 'invalid')::int AS invalid_rows,
               count(*) FILTER (WHERE r.status = 'pending')::int AS pending_rows,
               count(*) FILTER (WHERE r.status IN ('created', 'sent'))::int AS created_rows,
               count(*) FILTER (WHERE r.status = 'sent')::int AS sent_rows,
               count(*) FILTER (WHERE r.status = 'failed')::int AS failed_rows,
               count(*) FILTER (WHERE r.status = 'cancelled')::int AS cancelled_rows,
               b.created_by_user
        FROM signing.bulk_send b LEFT JOIN signing.bulk_send_row r ON r.bulk_send_id = b.bulk_send_id
        """;

    public static DomainException NotFound() => DomainException.NotFound("Bulk send", "一括送信", "bulk_send_id");

    public async Task<BulkSendRecord?> FindByRequestAsync(Guid tenantId, string requestId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return await connection.QuerySingleOrDefaultAsync<BulkSendRecord>(new CommandDefinition(
            Summary + " WHERE b.tenant_id = @TenantId AND b.request_id = @RequestId GROUP BY b.bulk_send_id",
            new { TenantId = tenantId, RequestId = requestId }, cancellationToken: ct));
    }

    /// <summary>Saves the send and every row in one transaction (running, or rejected when nothing may be sent); a concurrent retry finds the first.</summary>
    public async Task<BulkSendRecord> CreateAsync(Caller caller, TemplateRecord template, string fileName, string encoding, bool rejected,
        IReadOnlyList<CheckedRow> rows, string requestId, CancellationToken ct)
    {
        var tenantId = caller.RequireTenant();
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO signing.bulk_send (bulk_send_id, tenant_id, template_id, template_version, file_name, encoding, status, total_rows, request_id,
                                               caller, created_by, created_by_user, created_at, finished_at, last_turn_at)
                VALUES (@Id, @TenantId, @TemplateId, @Version, @FileName, @Encoding, @Status, @Total, @RequestId, @Caller::jsonb, @CreatedBy, @CreatedByUser, @Now,
                        CASE WHEN @Status = 'rejected' THEN @Now END, @Now);
                INSERT INTO signing.bulk_send_row (bulk_send_id, row_number, tenant_id, status, input, errors, updated_at)
                SELECT @Id, r.row_number, @TenantId, CASE WHEN r.errors IS NOT NULL THEN 'invalid' WHEN @Status = 'rejected' THEN 'cancelled' ELSE 'pending' END,
                       CASE WHEN @Status = 'rejected' THEN NULL ELSE r.input::jsonb END, r.errors::jsonb, @Now
                FROM unnest(@Rows::int[], @Inputs::text[], @Errors::text[]) AS r(row_number, input, errors);
                """, new
            {
                Id = id, TenantId = tenantId, TemplateId = template.TemplateId, Version = template.Version, FileName = fileName, Encoding = encoding,
                Status = rejected ? "rejected" : "running", Total = rows.Count, RequestId = requestId,
                Caller = JsonSerializer.Serialize(StoredCaller.Of(caller), Json), CreatedBy = caller.DisplayName, CreatedByUser = caller.UserId, Now = now,
                Rows = rows.Select(r => r.Row).ToArray(),
                Inputs = rows.Select(r => r.Input is null ? null : JsonSerializer.Serialize(r.Input, Json)).ToArray(),
                Errors = rows.Select(r => r.Problems.Count == 0 ? null : JsonSerializer.Serialize(r.Problems, Json)).ToArray(),
            }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            var first = await FindByRequestAsync(tenantId, requestId, ct);
            if (first is null)
            {
                throw;
            }
            return first;
        }
        return (await GetAsync(tenantId, id, ct))!;
    }

    public async Task<BulkSendRecord?> GetAsync(Guid tenantId, Guid bulkSendId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return await connection.QuerySingleOrDefaultAsync<BulkSendRecord>(new CommandDefinition(
            Summary + " WHERE b.bulk_send_id = @Id AND b.tenant_id = @TenantId GROUP BY b.bulk_send_id",
            new { Id = bulkSendId, TenantId = tenantId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<BulkSendRecord>> ListAsync(Guid tenantId, int limit, (DateTimeOffset At, Guid Id)? after, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<BulkSendRecord>(new CommandDefinition(
            Summary + """
             WHERE b.tenant_id = @TenantId AND (@AfterAt::timestamptz IS NULL OR (b.created_at, b.bulk_send_id) < (@AfterAt, @AfterId))
             GROUP BY b.bulk_send_id ORDER BY b.created_at DESC, b.bulk_send_id DESC LIMIT @Limit
            """, new { TenantId = tenantId, AfterAt = after?.At, AfterId = after?.Id ?? Guid.Empty, Limit = limit }, cancellationToken: ct));
        return rows.ToList();
    }

    public async Task<IReadOnlyList<BulkRowRecord>> RowsAsync(Guid bulkSendId, int afterRow, int limit, bool onlyProblems, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<BulkRowRecord>(new CommandDefinition("""
            SELECT row_number, status, envelope_id, errors::text AS errors FROM signing.bulk_send_row
            WHERE bulk_send_id = @Id AND row_number > @After AND (NOT @OnlyProblems OR status IN ('invalid', 'failed', 'cancelled'))
            ORDER BY row_number LIMIT @Limit
            """, new { Id = bulkSendId, After = afterRow, OnlyProblems = onlyProblems, Limit = limit }, cancellationToken: ct));
        return rows.ToList();
    }

    /// <summary>Stops a running send: its open rows are cancelled (their inputs, access codes included, are dropped).</summary>
    public async Task CancelAsync(Guid tenantId, Guid bulkSendId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var found = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH b AS (
                UPDATE signing.bulk_send SET status = 'cancelled', finished_at = @Now
                WHERE bulk_send_id = @Id AND tenant_id = @TenantId AND status = 'running' RETURNING bulk_send_id),
            r AS (
                UPDATE signing.bulk_send_row SET status = 'cancelled', input = NULL, updated_at = @Now
                WHERE bulk_send_id IN (SELECT bulk_send_id FROM b) AND status IN ('pending', 'created'))
            SELECT count(*)::int FROM signing.bulk_send WHERE bulk_send_id = @Id AND tenant_id = @TenantId
            """, new { Id = bulkSendId, TenantId = tenantId, Now = clock.GetUtcNow() }, cancellationToken: ct));
        if (found == 0)
        {
            throw NotFound();
        }
    }

    /// <summary>
    /// Claims the next open row with a lease: of the tenant whose turn came longest ago, of its running send whose turn came
    /// longest ago, the lowest open row — tenants take turns, so one tenant's thousand rows (or ten sends) do not hold back
    /// another's. The send's turn moves to now.
    /// </summary>
    public async Task<ClaimedRow?> ClaimAsync(TimeSpan lease, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return await connection.QuerySingleOrDefaultAsync<ClaimedRow>(new CommandDefinition("""
            WITH next AS (
                SELECT r.bulk_send_id, r.row_number FROM signing.bulk_send b
                JOIN LATERAL (
                    SELECT bulk_send_id, row_number FROM signing.bulk_send_row
                    WHERE bulk_send_id = b.bulk_send_id AND status IN ('pending', 'created') AND (claimed_until IS NULL OR claimed_until < @Now)
                    ORDER BY row_number LIMIT 1) r ON true
                WHERE b.status = 'running'
                -- Tenants take turns (the one whose last turn is oldest), then that tenant's sends take turns.
                ORDER BY (SELECT max(t.last_turn_at) FROM signing.bulk_send t WHERE t.tenant_id = b.tenant_id AND t.status = 'running'), b.last_turn_at
                LIMIT 1
                FOR UPDATE OF b SKIP LOCKED),
            turn AS (
                UPDATE signing.bulk_send SET last_turn_at = @Now WHERE bulk_send_id = (SELECT bulk_send_id FROM next)
                RETURNING bulk_send_id, template_id, template_version, caller::text AS caller)
            UPDATE signing.bulk_send_row r SET claimed_until = @Until, attempts = r.attempts + 1
            FROM next, turn
            WHERE r.bulk_send_id = next.bulk_send_id AND r.row_number = next.row_number
            RETURNING r.bulk_send_id, r.row_number, r.tenant_id, r.status, r.input::text AS input, r.envelope_id, r.attempts,
                      turn.template_id, turn.template_version, turn.caller
            """, new { Now = clock.GetUtcNow(), Until = clock.GetUtcNow() + lease }, cancellationToken: ct));
    }

    /// <summary>Records a row's progress. Sent, failed and cancelled rows drop their input; the send completes with its last open row.</summary>
    public async Task RecordAsync(ClaimedRow row, string status, Guid? envelopeId, IReadOnlyList<BulkRowProblem>? problems, TimeSpan? retryIn,
        CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH r AS (
                UPDATE signing.bulk_send_row
                SET status = @Status, envelope_id = COALESCE(@EnvelopeId, envelope_id), errors = COALESCE(@Errors::jsonb, errors),
                    input = CASE WHEN @Status IN ('pending', 'created') THEN input END,
                    claimed_until = CASE WHEN @RetryAt::timestamptz IS NULL THEN NULL ELSE @RetryAt END, updated_at = @Now
                WHERE bulk_send_id = @Id AND row_number = @Row
                RETURNING bulk_send_id)
            UPDATE signing.bulk_send b SET status = 'completed', finished_at = @Now
            WHERE b.bulk_send_id = (SELECT bulk_send_id FROM r) AND b.status = 'running'
              AND NOT EXISTS (SELECT 1 FROM signing.bulk_send_row o
                              WHERE o.bulk_send_id = b.bulk_send_id AND o.status IN ('pending', 'created')
                                AND NOT (o.row_number = @Row AND @Status NOT IN ('pending', 'created')))
            """, new
        {
            Id = row.BulkSendId, Row = row.RowNumber, Status = status, EnvelopeId = envelopeId,
            Errors = problems is null ? null : JsonSerializer.Serialize(problems, Json), RetryAt = retryIn is { } delay ? now + delay : (DateTimeOffset?)null,
            Now = now,
        }, cancellationToken: ct));
    }
}
