using Npgsql;

namespace GmoSign.Reseller;

internal sealed record TermsVersionRecord(string Version, DateTimeOffset EffectiveAt, string SummaryJa, string SummaryEn, string Url, DateTimeOffset PublishedAt);

/// <summary>Published terms versions (<c>reseller.terms_version</c>, Art. 28).</summary>
internal sealed class TermsStore(NpgsqlDataSource db)
{
    /// <summary>Returns false when the version id is taken.</summary>
    public async Task<bool> PublishAsync(TermsVersionRecord terms, Guid by, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.terms_version (version, effective_at, summary_ja, summary_en, url, published_at, published_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (version) DO NOTHING
            """);
        command.Parameters.AddWithValue(terms.Version);
        command.Parameters.AddWithValue(terms.EffectiveAt);
        command.Parameters.AddWithValue(terms.SummaryJa);
        command.Parameters.AddWithValue(terms.SummaryEn);
        command.Parameters.AddWithValue(terms.Url);
        command.Parameters.AddWithValue(terms.PublishedAt);
        command.Parameters.AddWithValue(by);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<List<TermsVersionRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT version, effective_at, summary_ja, summary_en, url, published_at
            FROM reseller.terms_version ORDER BY effective_at DESC, version DESC
            """);
        var list = new List<TermsVersionRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new TermsVersionRecord(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return list;
    }

    public async Task<bool> ExistsAsync(string version, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT 1 FROM reseller.terms_version WHERE version = $1");
        command.Parameters.AddWithValue(version);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }
}
