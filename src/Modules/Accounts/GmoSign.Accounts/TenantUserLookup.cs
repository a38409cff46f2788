using Dapper;
using GmoSign.Accounts.Contracts;
using Npgsql;

namespace GmoSign.Accounts;

internal sealed class TenantUserLookup(NpgsqlDataSource db) : ITenantUserLookup
{
    private sealed record Row(string DisplayName, string LoginId, bool Active, string[] Roles);

    public async Task<TenantUserInfo?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT display_name, login_id, status = 1 AS active, roles FROM accounts.user_account WHERE user_id = @UserId AND tenant_id = @TenantId",
            new { UserId = userId, TenantId = tenantId }, cancellationToken: cancellationToken));
        return row is null ? null : new TenantUserInfo(userId, tenantId, row.DisplayName, row.LoginId, row.Active, row.Roles);
    }
}
