using System.Text;
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
        var sql = new StringBuilder("SELECT envelope_id, title, status, updated_at, expires_at FROM signing.envelope WHERE tenant_id = $1");
        var parameters = new List<object> { tenantId };
        if (status is { } s)
        {
            parameters.Add(s);
            sql.Append($" AND status = ${parameters.Count}");
        }
        if (!string.IsNullOrEmpty(titleContains))
        {
            // LIKE's wildcards and its escape character are escaped.
            parameters.Add("%" + titleContains.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%");
            sql.Append($" AND title ILIKE ${parameters.Count} ESCAPE '\\'");
        }
        if (after is { } cursor)
        {
            parameters.Add(cursor.At);
            parameters.Add(cursor.Id);
            sql.Append($" AND (updated_at, envelope_id) < (${parameters.Count - 1}, ${parameters.Count})");
        }
        parameters.Add(limit);
        sql.Append($" ORDER BY updated_at DESC, envelope_id DESC LIMIT ${parameters.Count}");
        await using var command = db.CreateCommand(sql.ToString());
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }
        var rows = new List<EnvelopeListRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new EnvelopeListRow(reader.GetGuid(0), reader.GetString(1), reader.GetInt16(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return rows;
    }
}
