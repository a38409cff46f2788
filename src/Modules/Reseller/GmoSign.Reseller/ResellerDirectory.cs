using GmoSign.Platform.Security;
using GmoSign.Reseller.Contracts;
using Npgsql;

using GmoSign.Grains.Ports;

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

    public async Task SetStatusAsync(Guid resellerId, int status, string? reason, Guid by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            WITH changed AS (
                UPDATE reseller.reseller SET status = $2, suspension_reason = CASE WHEN $2 = 2 THEN $3 END
                WHERE reseller_id = $1 AND status <> $2 RETURNING reseller_id)
            INSERT INTO reseller.reseller_event (reseller_id, at, status, reason, by_user)
            SELECT reseller_id, $5, $2, $3, $4 FROM changed
            """);
        command.Parameters.AddWithValue(resellerId);
        command.Parameters.AddWithValue((short)status);
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = reason, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue(by);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<Caller?> ResolveAsync(CredentialType type, string credential, CancellationToken cancellationToken)
    {
        if (type != CredentialType.ApiKey || !credential.StartsWith(ApiKeyPrefix + "_", StringComparison.Ordinal))
        {
            return null;
        }
        await using var command = db.CreateCommand(
            "SELECT reseller_id, name, status, suspension_reason FROM reseller.reseller WHERE api_key_hash = $1");
        command.Parameters.AddWithValue(SecretTokens.Hash(credential));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        if (reader.GetInt16(2) != 1)
        {
            // A suspended reseller is told so, with the operator's reason — not "invalid key".
            var reason = reader.IsDBNull(3) ? "-" : reader.GetString(3);
            throw new GmoSign.Errors.DomainException(GmoSign.Errors.ErrorKind.PermissionDenied, "RESELLER_SUSPENDED",
                $"The operator has suspended this reseller: {reason}", $"運営者によりこの販売代理店の利用は停止されています：{reason}");
        }
        return new Caller(CallerKind.Reseller, null, null, reader.GetGuid(0), [], reader.GetString(1));
    }
}
