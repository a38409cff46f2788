using Dapper;
using GmoSign.Grains.Ports;
using Npgsql;

namespace GmoSign.Accounts;

/// <summary>
/// Art. 21: a deleted tenant's people go with its documents — its users (names, login ids, password hashes, TOTP
/// secrets), their sessions (with the addresses they signed in from), its API keys, delegations and their history, and
/// its security settings. Its login ids become free again. Idempotent: a second call finds nothing. The contract and
/// billing records (Reseller's tenant row, consents, monthly usage) stay: they are the operator's and the reseller's
/// transaction records, which they must keep for years after the contract ends.
/// </summary>
internal sealed class AccountsDataDeletion(NpgsqlDataSource db) : ITenantDataDeletion
{
    public async Task DeleteTenantDataAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        // One statement: all or nothing. The foreign keys between users and delegations are checked at its end, when
        // both are gone — because they are NO ACTION (RESTRICT would be checked row by row and refuse it); sessions go
        // with their users (ON DELETE CASCADE).
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH de AS (DELETE FROM accounts.delegation_event WHERE tenant_id = @TenantId),
                 d AS (DELETE FROM accounts.delegation WHERE tenant_id = @TenantId),
                 k AS (DELETE FROM accounts.api_key WHERE tenant_id = @TenantId),
                 s AS (DELETE FROM accounts.tenant_security WHERE tenant_id = @TenantId)
            DELETE FROM accounts.user_account WHERE tenant_id = @TenantId AND kind = 3
            """, new { TenantId = tenantId }, cancellationToken: cancellationToken));
    }
}
