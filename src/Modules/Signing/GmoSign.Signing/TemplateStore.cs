using System.Text.Json;
using Dapper;
using GmoSign.Errors;
using GmoSign.Grains.Ports;
using GmoSign.Platform.Database;
using GmoSign.Platform.Validation;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>A template's document: content shared with the envelopes made from it, and the page sizes fields are checked against.</summary>
internal sealed record TemplateDocumentRef(string FileName, Guid ContentId, long SizeBytes, string Sha256, IReadOnlyList<PageSize> Pages);

/// <summary>One version of a template with what is current about the template (name, latest version, archived).</summary>
internal sealed record TemplateRecord(
    Guid TemplateId,
    Guid TenantId,
    string Name,
    string Description,
    int Version,
    int LatestVersion,
    bool Archived,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    string DefinitionJson,
    IReadOnlyList<TemplateDocumentRef> Documents,
    Guid? CreatedByUser);

internal sealed record TemplateSummaryRow(Guid TemplateId, string Name, string Description, int Version, DateTimeOffset? ArchivedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Templates in PostgreSQL: a row per template (what is current) and an immutable row per version. Every query is
/// scoped by tenant; a template of another tenant is simply not found.
/// </summary>
internal sealed class TemplateStore(NpgsqlDataSource db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Select = """
        SELECT t.template_id, t.tenant_id, v.name, v.description, v.version, t.version AS latest_version, t.archived_at IS NOT NULL AS archived,
               t.created_at, v.created_at AS updated_at, v.created_by AS updated_by, v.definition::text AS definition_json, v.documents::text AS documents_json,
               t.created_by_user
        FROM signing.template t JOIN signing.template_version v ON v.template_id = t.template_id
        """;

    private sealed record Row(Guid TemplateId, Guid TenantId, string Name, string Description, int Version, int LatestVersion, bool Archived,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string UpdatedBy, string DefinitionJson, string DocumentsJson, Guid? CreatedByUser)
    {
        public TemplateRecord ToRecord() => new(TemplateId, TenantId, Name, Description, Version, LatestVersion, Archived, CreatedAt, UpdatedAt, UpdatedBy,
            DefinitionJson, JsonSerializer.Deserialize<List<TemplateDocumentRef>>(DocumentsJson, Json)!, CreatedByUser);
    }

    private sealed record Current(int Version, DateTimeOffset? ArchivedAt);

    public static DomainException NotFound() => DomainException.NotFound("Template", "テンプレート", "template_id");

    /// <summary>Saves version 1; a retry with the same request id returns the template it made.</summary>
    public async Task<TemplateRecord> CreateAsync(Guid tenantId, string name, string description, string definitionJson,
        IReadOnlyList<TemplateDocumentRef> documents, string? requestId, string actor, Guid? actorUser, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (requestId is not null && await ByRequestAsync(connection, tenantId, requestId, ct) is { } earlier)
        {
            return earlier;
        }
        var templateId = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO signing.template (template_id, tenant_id, name, description, version, request_id, created_at, updated_at, created_by_user)
                VALUES (@TemplateId, @TenantId, @Name, @Description, 1, @RequestId, @Now, @Now, @ActorUser);
                INSERT INTO signing.template_version (template_id, version, tenant_id, name, description, definition, documents, request_id, created_at, created_by)
                VALUES (@TemplateId, 1, @TenantId, @Name, @Description, @Definition::jsonb, @Documents::jsonb, @RequestId, @Now, @Actor);
                """, new
            {
                TemplateId = templateId, TenantId = tenantId, Name = name, Description = description, RequestId = requestId, Now = now,
                Definition = definitionJson, Documents = JsonSerializer.Serialize(documents, Json), Actor = actor, ActorUser = actorUser,
            }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            if (ex.ConstraintName == "ux_template_request" && await ByRequestAsync(connection, tenantId, requestId!, ct) is { } raced)
            {
                return raced;
            }
            throw NameTaken(name);
        }
        return (await GetAsync(tenantId, templateId, 0, ct))!;
    }

    /// <summary>
    /// Saves the next version when <paramref name="expectedVersion"/> is the latest (documents null: the latest's). A
    /// retry with the same request id returns the version it made.
    /// </summary>
    public async Task<TemplateRecord> UpdateAsync(Guid tenantId, Guid templateId, int expectedVersion, string name, string description, string definitionJson,
        IReadOnlyList<TemplateDocumentRef>? documents, string? requestId, string actor, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var current = await connection.QuerySingleOrDefaultAsync<Current>(new CommandDefinition(
            "SELECT version, archived_at FROM signing.template WHERE template_id = @TemplateId AND tenant_id = @TenantId FOR UPDATE",
            new { TemplateId = templateId, TenantId = tenantId }, transaction, cancellationToken: ct)) ?? throw NotFound();
        if (requestId is not null)
        {
            var made = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
                "SELECT version FROM signing.template_version WHERE template_id = @TemplateId AND request_id = @RequestId",
                new { TemplateId = templateId, RequestId = requestId }, transaction, cancellationToken: ct));
            if (made is { } version)
            {
                await transaction.RollbackAsync(ct);
                return (await GetAsync(tenantId, templateId, version, ct))!;
            }
        }
        if (current.ArchivedAt is not null)
        {
            throw Archived();
        }
        if (current.Version != expectedVersion)
        {
            throw VersionConflict(current.Version, expectedVersion);
        }
        var next = current.Version + 1;
        var now = clock.GetUtcNow();
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO signing.template_version (template_id, version, tenant_id, name, description, definition, documents, request_id, created_at, created_by)
                SELECT @TemplateId, @Next, @TenantId, @Name, @Description, @Definition::jsonb, COALESCE(@Documents::jsonb, v.documents), @RequestId, @Now, @Actor
                FROM signing.template_version v WHERE v.template_id = @TemplateId AND v.version = @Current;
                UPDATE signing.template SET version = @Next, name = @Name, description = @Description, updated_at = @Now WHERE template_id = @TemplateId;
                """, new
            {
                TemplateId = templateId, TenantId = tenantId, Next = next, Current = current.Version, Name = name, Description = description,
                Definition = definitionJson, Documents = documents is null ? null : JsonSerializer.Serialize(documents, Json), RequestId = requestId, Now = now,
                Actor = actor,
            }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "ux_template_name")
        {
            throw NameTaken(name);
        }
        return (await GetAsync(tenantId, templateId, next, ct))!;
    }

    /// <summary>
    /// The version a request names (<c>template_id</c>, <c>version</c> — 0 for the latest) of the tenant's template:
    /// INVALID_ARGUMENT for a bad id or a negative version, NOT_FOUND for none.
    /// </summary>
    public async Task<TemplateRecord> RequireAsync(Guid tenantId, string templateId, int version, CancellationToken ct)
    {
        var id = Check.Id(templateId, "template_id");
        if (version < 0)
        {
            throw DomainException.Invalid("version", "must be 0 (the latest) or a version number", "0（最新）またはバージョン番号を指定してください");
        }
        return await GetAsync(tenantId, id, version, ct) ?? throw NotFound();
    }

    /// <summary>One version (0: the latest) of the tenant's template, or null.</summary>
    public async Task<TemplateRecord?> GetAsync(Guid tenantId, Guid templateId, int version, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            Select + " WHERE t.template_id = @TemplateId AND t.tenant_id = @TenantId AND v.version = CASE WHEN @Version = 0 THEN t.version ELSE @Version END",
            new { TemplateId = templateId, TenantId = tenantId, Version = version }, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<TemplateSummaryRow>> ListAsync(Guid tenantId, bool includeArchived, string? nameContains, int limit,
        (DateTimeOffset At, Guid Id)? after, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<TemplateSummaryRow>(new CommandDefinition("""
            SELECT template_id, name, description, version, archived_at, updated_at FROM signing.template
            WHERE tenant_id = @TenantId
              AND (@IncludeArchived OR archived_at IS NULL)
              AND (@NameContains::text IS NULL OR strpos(lower(name), lower(@NameContains)) > 0)
              AND (@AfterAt::timestamptz IS NULL OR (updated_at, template_id) < (@AfterAt, @AfterId))
            ORDER BY updated_at DESC, template_id DESC
            LIMIT @Limit
            """, new
        {
            TenantId = tenantId, IncludeArchived = includeArchived, NameContains = nameContains, AfterAt = after?.At, AfterId = after?.Id ?? Guid.Empty,
            Limit = limit,
        }, cancellationToken: ct));
        return rows.ToList();
    }

    /// <summary>Archives the template (again: no change).</summary>
    public async Task<TemplateRecord> ArchiveAsync(Guid tenantId, Guid templateId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var found = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE signing.template SET archived_at = COALESCE(archived_at, @Now) WHERE template_id = @TemplateId AND tenant_id = @TenantId
            """, new { TemplateId = templateId, TenantId = tenantId, Now = clock.GetUtcNow() }, cancellationToken: ct));
        return found == 0 ? throw NotFound() : (await GetAsync(tenantId, templateId, 0, ct))!;
    }

    public static DomainException VersionConflict(int current, int expected) => new(ErrorKind.FailedPrecondition, "TEMPLATE_VERSION_CONFLICT",
        $"expected_version: the template is at version {current}, not {expected}; read it again and apply the change to it.",
        $"expected_version: テンプレートは現在バージョン{current}です（{expected}ではありません）。読み直してから変更してください。", "expected_version");

    /// <summary>Whether an update with this request id already made a version (its retry is answered, not refused as a conflict).</summary>
    public async Task<bool> MadeAsync(Guid templateId, string requestId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM signing.template_version WHERE template_id = @TemplateId AND request_id = @RequestId)",
            new { TemplateId = templateId, RequestId = requestId }, cancellationToken: ct));
    }

    public static DomainException Archived() => DomainException.Precondition("TEMPLATE_ARCHIVED",
        "template_id: the template is archived.", "template_id: テンプレートはアーカイブされています。");

    private static DomainException NameTaken(string name) => new(ErrorKind.AlreadyExists, "TEMPLATE_NAME_TAKEN",
        $"name: another template of the tenant is called '{name}'.", $"name: 「{name}」という名前のテンプレートが既にあります。", "name");

    private static async Task<TemplateRecord?> ByRequestAsync(NpgsqlConnection connection, Guid tenantId, string requestId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            Select + " WHERE t.tenant_id = @TenantId AND t.request_id = @RequestId AND v.version = 1",
            new { TenantId = tenantId, RequestId = requestId }, cancellationToken: ct));
        return row?.ToRecord();
    }
}
