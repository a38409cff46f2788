using GmoSign.Platform.Security;
using GmoSign.Reseller.Contracts;
using Npgsql;

namespace GmoSign.Reseller;

/// <summary>Schema <c>reseller</c>: the reseller directory, and reseller API keys as credentials.</summary>
internal sealed class ResellerDirectory(NpgsqlDataSource db) : IResellerDirectory, ICredentialResolver
{
    public const string ApiKeyPrefix = "gsr";

    public async Task UpsertAsync(ResellerEntry entry, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reseller.reseller (reseller_id, name, contact_email, status, api_key_hash, registered_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (reseller_id) DO UPDATE
            SET name = excluded.name, contact_email = excluded.contact_email, status = excluded.status,
                api_key_hash = excluded.api_key_hash
            """);
        command.Parameters.AddWithValue(entry.ResellerId);
        command.Parameters.AddWithValue(entry.Name);
        command.Parameters.AddWithValue(entry.ContactEmail);
        command.Parameters.AddWithValue((short)entry.Status);
        command.Parameters.AddWithValue(entry.ApiKeyHash);
        command.Parameters.AddWithValue(entry.RegisteredBy);
        command.Parameters.AddWithValue(entry.CreatedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<Caller?> ResolveAsync(CredentialType type, string credential, CancellationToken cancellationToken)
    {
        if (type != CredentialType.ApiKey || !credential.StartsWith(ApiKeyPrefix + "_", StringComparison.Ordinal))
        {
            return null;
        }
        await using var command = db.CreateCommand(
            "SELECT reseller_id, name FROM reseller.reseller WHERE api_key_hash = $1 AND status = 1");
        command.Parameters.AddWithValue(SecretTokens.Hash(credential));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new Caller(CallerKind.Reseller, null, null, reader.GetGuid(0), [], reader.GetString(1));
    }
}
