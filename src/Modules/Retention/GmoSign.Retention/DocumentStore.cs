using System.Text;
using Dapper;
using Npgsql;

namespace GmoSign.Retention;

internal sealed record DocumentMeta(
    string Title, string DocumentType, DateOnly TransactionDate, long Amount, string Currency, string Counterparty,
    string[] Parties, string[] Tags, string FileName);

internal sealed record DocumentRecord(
    Guid DocumentId, Guid TenantId, DocumentMeta Meta, short Source, long SizeBytes, byte[] Sha256, DateOnly RetentionUntil,
    bool LegalHold, DateTimeOffset StoredAt)
{
    /// <summary>The completed envelope the document came from (source 2).</summary>
    public Guid? EnvelopeId { get; init; }

    /// <summary><c>stored</c> for uploads, the envelope's outcome (<c>completed</c>) for envelope documents.</summary>
    public string Status { get; init; } = "stored";
}

internal sealed record SearchQuery(
    DateOnly? From, DateOnly? To, long? MinAmount, long? MaxAmount, string? Counterparty, string? Title, string[] Tags,
    string? DocumentType, string? Party, (DateOnly Date, Guid Id)? After, int Limit)
{
    public string? Status { get; init; }
}

internal sealed record CorrectionRecord(string Field, string OldValue, string NewValue, Guid UserId, DateTimeOffset At, string Reason);

internal sealed record AccessRecord(string Action, string Actor, string? IpAddress, DateTimeOffset At);

/// <summary>Schema <c>retention</c>: metadata, search, corrections and the access log; with the blob store, a document's whole storage.</summary>
internal sealed class DocumentStore(NpgsqlDataSource db, IDocumentBlobStore blobs)
{
    private const string Columns = "document_id, tenant_id, title, document_type, transaction_date, amount, currency, counterparty, parties, tags, " +
        "file_name, source, size_bytes, sha256, retention_until, legal_hold, stored_at, envelope_id, status";

    /// <summary>A row of <c>retention.document</c> as selected by <see cref="Columns"/>.</summary>
    private sealed record Row(
        Guid DocumentId, Guid TenantId, string Title, string DocumentType, DateOnly TransactionDate, long Amount, string Currency, string Counterparty,
        string[] Parties, string[] Tags, string FileName, short Source, long SizeBytes, byte[] Sha256, DateOnly RetentionUntil, bool LegalHold,
        DateTimeOffset StoredAt, Guid? EnvelopeId, string Status)
    {
        public DocumentRecord ToRecord() => new(DocumentId, TenantId,
            new DocumentMeta(Title, DocumentType, TransactionDate, Amount, Currency, Counterparty, Parties, Tags, FileName),
            Source, SizeBytes, Sha256, RetentionUntil, LegalHold, StoredAt)
        {
            EnvelopeId = EnvelopeId,
            Status = Status,
        };
    }

    public NpgsqlDataSource DataSource => db;

    /// <summary>An uploaded document: row, sealed bytes and log entry commit together, so nothing is half-written.</summary>
    public async Task StoreUploadAsync(DocumentRecord record, byte[] sealedBytes, string actor, string? ip, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertAsync(record, actor, transaction, cancellationToken);
        await blobs.PutAsync(record.TenantId, record.DocumentId, sealedBytes, transaction, cancellationToken);
        await LogAsync(connection, transaction, record.TenantId, record.DocumentId, "store", actor, ip, record.StoredAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes a document — row, sealed bytes and a log entry in one transaction — only while it is still deletable
    /// (period over on <paramref name="today"/>, no hold); false, with nothing changed, when it no longer is.
    /// </summary>
    public async Task<bool> DeleteAsync(DocumentRecord document, DateOnly today, string actor, string? ip, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM retention.document
            WHERE document_id = @DocumentId AND tenant_id = @TenantId AND retention_until < @Today AND NOT legal_hold
            """, new { document.DocumentId, document.TenantId, Today = today }, transaction, cancellationToken: cancellationToken));
        if (deleted != 1)
        {
            return false;
        }
        await blobs.DeleteAsync(document.TenantId, document.DocumentId, transaction, cancellationToken);
        await LogAsync(connection, transaction, document.TenantId, document.DocumentId, "delete", actor, ip, at, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task InsertAsync(DocumentRecord d, string storedBy, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var m = d.Meta;
        await transaction.Connection!.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO retention.document ({Columns}, parties_text, stored_by)
            VALUES (@DocumentId, @TenantId, @Title, @DocumentType, @TransactionDate, @Amount, @Currency, @Counterparty, @Parties, @Tags,
                    @FileName, @Source, @SizeBytes, @Sha256, @RetentionUntil, @LegalHold, @StoredAt, @EnvelopeId, @Status, @PartiesText, @StoredBy)
            """, new
        {
            d.DocumentId, d.TenantId, m.Title, m.DocumentType, m.TransactionDate, m.Amount, m.Currency, m.Counterparty, m.Parties, m.Tags,
            m.FileName, d.Source, d.SizeBytes, d.Sha256, d.RetentionUntil, d.LegalHold, d.StoredAt, d.EnvelopeId, d.Status,
            PartiesText = string.Join('\n', m.Parties), StoredBy = storedBy,
        }, transaction, cancellationToken: cancellationToken));
    }

    public async Task<DocumentRecord?> GetAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM retention.document WHERE document_id = @DocumentId AND tenant_id = @TenantId",
            new { DocumentId = documentId, TenantId = tenantId }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>One statement; every condition given narrows the result; keyset paging on (transaction_date, id).</summary>
    public async Task<List<DocumentRecord>> SearchAsync(Guid tenantId, SearchQuery q, CancellationToken cancellationToken)
    {
        // Only the conditions given enter the statement; Dapper sends only the parameters the statement names.
        var sql = new StringBuilder($"SELECT {Columns} FROM retention.document WHERE tenant_id = @TenantId");
        if (q.From is not null) sql.Append(" AND transaction_date >= @From");
        if (q.To is not null) sql.Append(" AND transaction_date <= @To");
        if (q.MinAmount is not null) sql.Append(" AND amount >= @MinAmount");
        if (q.MaxAmount is not null) sql.Append(" AND amount <= @MaxAmount");
        if (q.Counterparty is not null) sql.Append(" AND counterparty ILIKE @Counterparty");
        if (q.Title is not null) sql.Append(" AND title ILIKE @Title");
        if (q.Party is not null) sql.Append(" AND parties_text ILIKE @Party");
        if (q.DocumentType is not null) sql.Append(" AND document_type = @DocumentType");
        if (q.Status is not null) sql.Append(" AND status = @Status");
        if (q.Tags.Length > 0) sql.Append(" AND tags @> @Tags");
        if (q.After is not null) sql.Append(" AND (transaction_date, document_id) < (@AfterDate, @AfterId)");
        sql.Append(" ORDER BY transaction_date DESC, document_id DESC LIMIT @Limit");

        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), new
        {
            TenantId = tenantId, q.From, q.To, q.MinAmount, q.MaxAmount,
            Counterparty = q.Counterparty is { } counterparty ? Like(counterparty) : null,
            Title = q.Title is { } title ? Like(title) : null,
            Party = q.Party is { } party ? Like(party) : null,
            q.DocumentType, q.Status, q.Tags, AfterDate = q.After?.Date, AfterId = q.After?.Id, q.Limit,
        }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    /// <summary>Replaces the metadata and records one correction row per changed field, in one transaction.</summary>
    public async Task CorrectAsync(DocumentRecord current, DocumentMeta next, DateOnly retentionUntil, Guid userId, string reason, string? ip,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE retention.document
            SET title = @Title, document_type = @DocumentType, transaction_date = @TransactionDate, amount = @Amount, currency = @Currency,
                counterparty = @Counterparty, parties = @Parties, parties_text = @PartiesText, tags = @Tags, file_name = @FileName,
                retention_until = @RetentionUntil
            WHERE document_id = @DocumentId AND tenant_id = @TenantId
            """, new
        {
            current.DocumentId, current.TenantId, next.Title, next.DocumentType, next.TransactionDate, next.Amount, next.Currency, next.Counterparty,
            next.Parties, PartiesText = string.Join('\n', next.Parties), next.Tags, next.FileName, RetentionUntil = retentionUntil,
        }, transaction, cancellationToken: cancellationToken));
        foreach (var (field, oldValue, newValue) in Differences(current.Meta, next))
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO retention.correction (correction_id, tenant_id, document_id, field, old_value, new_value, user_id, reason, at)
                VALUES (@CorrectionId, @TenantId, @DocumentId, @Field, @OldValue, @NewValue, @UserId, @Reason, @At)
                """, new
            {
                CorrectionId = Guid.CreateVersion7(), current.TenantId, current.DocumentId, Field = field, OldValue = oldValue, NewValue = newValue,
                UserId = userId, Reason = reason, At = at,
            }, transaction, cancellationToken: cancellationToken));
        }
        await LogAsync(connection, transaction, current.TenantId, current.DocumentId, "correct", userId.ToString(), ip, at, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public static IEnumerable<(string Field, string Old, string New)> Differences(DocumentMeta a, DocumentMeta b)
    {
        if (a.Title != b.Title) yield return ("title", a.Title, b.Title);
        if (a.DocumentType != b.DocumentType) yield return ("document_type", a.DocumentType, b.DocumentType);
        if (a.TransactionDate != b.TransactionDate) yield return ("transaction_date", a.TransactionDate.ToString("yyyy-MM-dd"), b.TransactionDate.ToString("yyyy-MM-dd"));
        if (a.Amount != b.Amount) yield return ("amount", a.Amount.ToString(), b.Amount.ToString());
        if (a.Currency != b.Currency) yield return ("currency", a.Currency, b.Currency);
        if (a.Counterparty != b.Counterparty) yield return ("counterparty", a.Counterparty, b.Counterparty);
        if (!a.Parties.SequenceEqual(b.Parties)) yield return ("parties", string.Join(", ", a.Parties), string.Join(", ", b.Parties));
        if (!a.Tags.SequenceEqual(b.Tags)) yield return ("tags", string.Join(", ", a.Tags), string.Join(", ", b.Tags));
        if (a.FileName != b.FileName) yield return ("file_name", a.FileName, b.FileName);
    }

    public async Task<bool> SetHoldAsync(Guid tenantId, Guid documentId, bool hold, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE retention.document SET legal_hold = @Hold WHERE document_id = @DocumentId AND tenant_id = @TenantId",
            new { DocumentId = documentId, TenantId = tenantId, Hold = hold }, cancellationToken: cancellationToken)) == 1;
    }

    public Task LogAsync(Guid tenantId, Guid? documentId, string action, string actor, string? ip, DateTimeOffset at, CancellationToken cancellationToken) =>
        LogAsync(null, null, tenantId, documentId, action, actor, ip, at, cancellationToken);

    public async Task LogAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, Guid tenantId, Guid? documentId, string action, string actor,
        string? ip, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var owned = connection is null ? db.CreateConnection() : null;
        await (connection ?? owned!).ExecuteAsync(new CommandDefinition("""
            INSERT INTO retention.access_log (entry_id, tenant_id, document_id, action, actor, ip_address, at)
            VALUES (@EntryId, @TenantId, @DocumentId, @Action, @Actor, @IpAddress, @At)
            """, new { EntryId = Guid.CreateVersion7(), TenantId = tenantId, DocumentId = documentId, Action = action, Actor = actor, IpAddress = ip, At = at },
            transaction, cancellationToken: cancellationToken));
    }

    public async Task<(List<CorrectionRecord> Corrections, List<AccessRecord> Accesses)> HistoryAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var corrections = (await connection.QueryAsync<CorrectionRecord>(new CommandDefinition("""
            SELECT field, old_value, new_value, user_id, at, reason FROM retention.correction
            WHERE document_id = @DocumentId AND tenant_id = @TenantId ORDER BY at DESC, correction_id DESC
            """, new { DocumentId = documentId, TenantId = tenantId }, cancellationToken: cancellationToken))).AsList();
        var accesses = (await connection.QueryAsync<AccessRecord>(new CommandDefinition("""
            SELECT action, actor, ip_address, at FROM retention.access_log
            WHERE document_id = @DocumentId AND tenant_id = @TenantId ORDER BY at DESC, entry_id DESC LIMIT 500
            """, new { DocumentId = documentId, TenantId = tenantId }, cancellationToken: cancellationToken))).AsList();
        return (corrections, accesses);
    }

    private static string Like(string text) =>
        "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
}
