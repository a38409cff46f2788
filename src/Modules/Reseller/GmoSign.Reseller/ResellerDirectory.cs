using Dapper;
using GmoSign.Platform.Security;
using GmoSign.Reseller.Contracts;
using Npgsql;

using GmoSign.Grains.Ports;

namespace GmoSign.Reseller;

/// <summary>Schema <c>reseller</c>: the reseller directory, and reseller API keys as credentials.</summary>
internal sealed class ResellerDirectory(NpgsqlDataSource db) : IResellerDirectory, ICredentialResolver
{
    public const string ApiKeyPrefix = "gsr";

    private sealed record KeyOwner(Guid ResellerId, string Name, short Status, string? SuspensionReason);

    public async Task UpsertAsync(ResellerEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.reseller (reseller_id, name, contact_email, status, api_key_hash, registered_by, created_at)
            VALUES (@ResellerId, @Name, @ContactEmail, @Status, @ApiKeyHash, @RegisteredBy, @CreatedAt)
            ON CONFLICT (reseller_id) DO UPDATE
            SET name = excluded.name, contact_email = excluded.contact_email, status = excluded.status,
                api_key_hash = excluded.api_key_hash
            """, new { entry.ResellerId, entry.Name, entry.ContactEmail, Status = (short)entry.Status, entry.ApiKeyHash, entry.RegisteredBy, entry.CreatedAt },
            cancellationToken: cancellationToken));
    }

    public async Task SetStatusAsync(Guid resellerId, int status, string? reason, Guid by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH changed AS (
                UPDATE reseller.reseller SET status = @Status, suspension_reason = CASE WHEN @Status = 2 THEN @Reason END
                WHERE reseller_id = @ResellerId AND status <> @Status RETURNING reseller_id)
            INSERT INTO reseller.reseller_event (reseller_id, at, status, reason, by_user)
            SELECT reseller_id, @At, @Status, @Reason, @By FROM changed
            """, new { ResellerId = resellerId, Status = (short)status, Reason = reason, By = by, At = at }, cancellationToken: cancellationToken));
    }

    public async ValueTask<Caller?> ResolveAsync(CredentialType type, string credential, CancellationToken cancellationToken)
    {
        if (type != CredentialType.ApiKey || !credential.StartsWith(ApiKeyPrefix + "_", StringComparison.Ordinal))
        {
            return null;
        }
        await using var connection = db.CreateConnection();
        var owner = await connection.QueryFirstOrDefaultAsync<KeyOwner>(new CommandDefinition(
            "SELECT reseller_id, name, status, suspension_reason FROM reseller.reseller WHERE api_key_hash = @Hash",
            new { Hash = SecretTokens.Hash(credential) }, cancellationToken: cancellationToken));
        if (owner is null)
        {
            return null;
        }
        if (owner.Status != 1)
        {
            // A suspended reseller is told so, with the operator's reason — not "invalid key".
            var reason = owner.SuspensionReason ?? "-";
            throw new GmoSign.Errors.DomainException(GmoSign.Errors.ErrorKind.PermissionDenied, "RESELLER_SUSPENDED",
                $"The operator has suspended this reseller: {reason}", $"運営者によりこの販売代理店の利用は停止されています：{reason}");
        }
        return new Caller(CallerKind.Reseller, null, null, owner.ResellerId, [], owner.Name);
    }
}
