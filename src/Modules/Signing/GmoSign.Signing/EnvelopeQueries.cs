using System.Text;
using Dapper;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>One line of a tenant's envelope list.</summary>
internal sealed record EnvelopeListRow(Guid EnvelopeId, string Title, short Status, DateTimeOffset UpdatedAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// Reads across a tenant's envelopes from the queryable columns every envelope change writes (<c>signing.envelope</c>);
/// one envelope's own state is read from its grain.
/// </summary>
internal sealed class EnvelopeQueries(NpgsqlDataSource db)
{
    /// <summary>
    /// The tenant's envelopes, most recently changed first, after the cursor; optionally of one status and with a
    /// title containing the text (matched literally, case-insensitively).
    /// </summary>
    public async Task<List<EnvelopeListRow>> ListAsync(Guid tenantId, short? status, string? titleContains, (DateTimeOffset At, Guid Id)? after, int limit,
        CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT envelope_id, title, status, updated_at, expires_at FROM signing.envelope WHERE tenant_id = @TenantId");
        if (status is not null)
        {
            sql.Append(" AND status = @Status");
        }
        string? pattern = null;
        if (!string.IsNullOrEmpty(titleContains))
        {
            // LIKE's wildcards and its escape character are escaped.
            pattern = "%" + titleContains.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
            sql.Append(@" AND title ILIKE @Pattern ESCAPE '\'");
        }
        if (after is not null)
        {
            sql.Append(" AND (updated_at, envelope_id) < (@AfterAt, @AfterId)");
        }
        sql.Append(" ORDER BY updated_at DESC, envelope_id DESC LIMIT @Limit");
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<EnvelopeListRow>(new CommandDefinition(sql.ToString(), new
        {
            TenantId = tenantId, Status = status, Pattern = pattern, AfterAt = after?.At, AfterId = after?.Id, Limit = limit,
        }, cancellationToken: ct));
        return rows.AsList();
    }
}
