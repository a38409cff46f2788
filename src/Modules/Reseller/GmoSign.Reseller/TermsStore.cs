using Dapper;
using Npgsql;

namespace GmoSign.Reseller;

internal sealed record TermsVersionRecord(string Version, DateTimeOffset EffectiveAt, string SummaryJa, string SummaryEn, string Url, DateTimeOffset PublishedAt);

/// <summary>Published terms versions (<c>reseller.terms_version</c>, Art. 28).</summary>
internal sealed class TermsStore(NpgsqlDataSource db)
{
    /// <summary>Returns false when the version id is taken.</summary>
    public async Task<bool> PublishAsync(TermsVersionRecord terms, Guid by, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.terms_version (version, effective_at, summary_ja, summary_en, url, published_at, published_by)
            VALUES (@Version, @EffectiveAt, @SummaryJa, @SummaryEn, @Url, @PublishedAt, @By) ON CONFLICT (version) DO NOTHING
            """, new { terms.Version, terms.EffectiveAt, terms.SummaryJa, terms.SummaryEn, terms.Url, terms.PublishedAt, By = by },
            cancellationToken: cancellationToken)) == 1;
    }

    public async Task<List<TermsVersionRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<TermsVersionRecord>(new CommandDefinition("""
            SELECT version, effective_at, summary_ja, summary_en, url, published_at
            FROM reseller.terms_version ORDER BY effective_at DESC, version DESC
            """, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> ExistsAsync(string version, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT 1 FROM reseller.terms_version WHERE version = @Version",
            new { Version = version }, cancellationToken: cancellationToken)) is not null;
    }
}
