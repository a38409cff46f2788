using GmoSign.Accounts.Contracts;
using Npgsql;

namespace GmoSign.Accounts;

internal sealed class TenantUserLookup(NpgsqlDataSource db) : ITenantUserLookup
{
    public async Task<TenantUserInfo?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT display_name, login_id, status = 1, roles FROM accounts.user_account WHERE user_id = $1 AND tenant_id = $2");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TenantUserInfo(userId, tenantId, reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetFieldValue<string[]>(3))
            : null;
    }
}
