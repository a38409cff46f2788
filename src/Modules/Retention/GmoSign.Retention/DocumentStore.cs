using System.Text;
using Npgsql;
using NpgsqlTypes;

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

/// <summary>Schema <c>retention</c>: metadata, search, corrections and the access log.</summary>
internal sealed class DocumentStore(NpgsqlDataSource db)
{
    private const string Columns = "document_id, tenant_id, title, document_type, transaction_date, amount, currency, counterparty, parties, tags, " +
        "file_name, source, size_bytes, sha256, retention_until, legal_hold, stored_at, envelope_id, status";

    public NpgsqlDataSource DataSource => db;

    public async Task InsertAsync(DocumentRecord d, string storedBy, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            INSERT INTO retention.document ({Columns}, parties_text, stored_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
            """, transaction.Connection, transaction);
        var m = d.Meta;
        foreach (var value in new object[] { d.DocumentId, d.TenantId, m.Title, m.DocumentType, m.TransactionDate, m.Amount, m.Currency, m.Counterparty,
                     m.Parties, m.Tags, m.FileName, d.Source, d.SizeBytes, d.Sha256, d.RetentionUntil, d.LegalHold, d.StoredAt,
                     d.EnvelopeId.HasValue ? d.EnvelopeId.Value : (object)DBNull.Value, d.Status, string.Join('\n', m.Parties), storedBy })
        {
            command.Parameters.AddWithValue(value);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DocumentRecord?> GetAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM retention.document WHERE document_id = $1 AND tenant_id = $2");
        command.Parameters.AddWithValue(documentId);
        command.Parameters.AddWithValue(tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>One statement; every condition given narrows the result; keyset paging on (transaction_date, id).</summary>
    public async Task<List<DocumentRecord>> SearchAsync(Guid tenantId, SearchQuery q, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM retention.document WHERE tenant_id = $1");
        var parameters = new List<NpgsqlParameter> { new() { Value = tenantId } };
        void Add(string condition, object value, NpgsqlDbType? type = null)
        {
            parameters.Add(type is { } t ? new NpgsqlParameter { Value = value, NpgsqlDbType = t } : new NpgsqlParameter { Value = value });
            sql.Append(" AND ").Append(condition.Replace("{p}", "$" + parameters.Count));
        }
        if (q.From is { } from) Add("transaction_date >= {p}", from);
        if (q.To is { } to) Add("transaction_date <= {p}", to);
        if (q.MinAmount is { } min) Add("amount >= {p}", min);
        if (q.MaxAmount is { } max) Add("amount <= {p}", max);
        if (q.Counterparty is { } counterparty) Add("counterparty ILIKE {p}", Like(counterparty));
        if (q.Title is { } title) Add("title ILIKE {p}", Like(title));
        if (q.Party is { } party) Add("parties_text ILIKE {p}", Like(party));
        if (q.DocumentType is { } type) Add("document_type = {p}", type);
        if (q.Status is { } status) Add("status = {p}", status);
        if (q.Tags.Length > 0) Add("tags @> {p}", q.Tags, NpgsqlDbType.Array | NpgsqlDbType.Text);
        if (q.After is { } after)
        {
            parameters.Add(new NpgsqlParameter { Value = after.Date });
            parameters.Add(new NpgsqlParameter { Value = after.Id });
            sql.Append($" AND (transaction_date, document_id) < (${parameters.Count - 1}, ${parameters.Count})");
        }
        parameters.Add(new NpgsqlParameter { Value = q.Limit });
        sql.Append($" ORDER BY transaction_date DESC, document_id DESC LIMIT ${parameters.Count}");

        await using var command = db.CreateCommand(sql.ToString());
        command.Parameters.AddRange(parameters.ToArray());
        var list = new List<DocumentRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }
        return list;
    }

    /// <summary>Replaces the metadata and records one correction row per changed field, in one transaction.</summary>
    public async Task CorrectAsync(DocumentRecord current, DocumentMeta next, DateOnly retentionUntil, Guid userId, string reason, string? ip,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = new NpgsqlCommand("""
            UPDATE retention.document
            SET title = $3, document_type = $4, transaction_date = $5, amount = $6, currency = $7, counterparty = $8,
                parties = $9, parties_text = $10, tags = $11, file_name = $12, retention_until = $13
            WHERE document_id = $1 AND tenant_id = $2
            """, connection, transaction))
        {
            foreach (var value in new object[] { current.DocumentId, current.TenantId, next.Title, next.DocumentType, next.TransactionDate, next.Amount,
                         next.Currency, next.Counterparty, next.Parties, string.Join('\n', next.Parties), next.Tags, next.FileName, retentionUntil })
            {
                update.Parameters.AddWithValue(value);
            }
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var (field, oldValue, newValue) in Differences(current.Meta, next))
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO retention.correction (correction_id, tenant_id, document_id, field, old_value, new_value, user_id, reason, at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """, connection, transaction);
            foreach (var value in new object[] { Guid.CreateVersion7(), current.TenantId, current.DocumentId, field, oldValue, newValue, userId, reason, at })
            {
                insert.Parameters.AddWithValue(value);
            }
            await insert.ExecuteNonQueryAsync(cancellationToken);
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
        await using var command = db.CreateCommand("UPDATE retention.document SET legal_hold = $3 WHERE document_id = $1 AND tenant_id = $2");
        command.Parameters.AddWithValue(documentId);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(hold);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes the row only while it is still deletable (period over, no hold) — checked in the statement.</summary>
    public async Task<bool> DeleteIfAllowedAsync(Guid tenantId, Guid documentId, DateOnly today, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            DELETE FROM retention.document
            WHERE document_id = $1 AND tenant_id = $2 AND retention_until < $3 AND NOT legal_hold
            """, transaction.Connection, transaction);
        command.Parameters.AddWithValue(documentId);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(today);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task LogAsync(Guid tenantId, Guid? documentId, string action, string actor, string? ip, DateTimeOffset at, CancellationToken cancellationToken) =>
        LogAsync(null, null, tenantId, documentId, action, actor, ip, at, cancellationToken);

    public async Task LogAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, Guid tenantId, Guid? documentId, string action, string actor,
        string? ip, DateTimeOffset at, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO retention.access_log (entry_id, tenant_id, document_id, action, actor, ip_address, at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """;
        await using var command = connection is null ? db.CreateCommand(sql) : new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)documentId ?? DBNull.Value);
        command.Parameters.AddWithValue(action);
        command.Parameters.AddWithValue(actor);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)ip ?? DBNull.Value);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<(List<CorrectionRecord> Corrections, List<AccessRecord> Accesses)> HistoryAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        var corrections = new List<CorrectionRecord>();
        await using (var command = db.CreateCommand("""
            SELECT field, old_value, new_value, user_id, at, reason FROM retention.correction
            WHERE document_id = $1 AND tenant_id = $2 ORDER BY at DESC, correction_id DESC
            """))
        {
            command.Parameters.AddWithValue(documentId);
            command.Parameters.AddWithValue(tenantId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                corrections.Add(new CorrectionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetGuid(3),
                    reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
            }
        }
        var accesses = new List<AccessRecord>();
        await using (var command = db.CreateCommand("""
            SELECT action, actor, ip_address, at FROM retention.access_log
            WHERE document_id = $1 AND tenant_id = $2 ORDER BY at DESC, entry_id DESC LIMIT 500
            """))
        {
            command.Parameters.AddWithValue(documentId);
            command.Parameters.AddWithValue(tenantId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                accesses.Add(new AccessRecord(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }
        return (corrections, accesses);
    }

    private static string Like(string text) =>
        "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";

    internal static DocumentRecord Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1),
        new DocumentMeta(r.GetString(2), r.GetString(3), r.GetFieldValue<DateOnly>(4), r.GetInt64(5), r.GetString(6), r.GetString(7),
            r.GetFieldValue<string[]>(8), r.GetFieldValue<string[]>(9), r.GetString(10)),
        r.GetInt16(11), r.GetInt64(12), r.GetFieldValue<byte[]>(13), r.GetFieldValue<DateOnly>(14), r.GetBoolean(15),
        r.GetFieldValue<DateTimeOffset>(16))
    {
        EnvelopeId = r.IsDBNull(17) ? null : r.GetGuid(17),
        Status = r.GetString(18),
    };
}
