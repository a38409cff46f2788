using Dapper;
using Npgsql;

namespace GmoSign.Accounts;

internal sealed record ApiKeyRecord(Guid KeyId, Guid TenantId, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Tenant users and integration API keys (schema <c>accounts</c>).</summary>
internal sealed class TenantUserStore(NpgsqlDataSource db)
{
    public enum CreateOutcome { Created, LoginTaken, NoSeat }

    private sealed record UsedKey(Guid KeyId, Guid TenantId, string Name);

    private sealed record LoginOwner(Guid? TenantId);

    /// <summary>
    /// Creates a tenant user if a seat is free. The count and the insert run in one transaction under an advisory
    /// lock on the tenant, so concurrent creations can never exceed the seats.
    /// </summary>
    public async Task<(CreateOutcome Outcome, int ActiveAfter)> CreateUserAsync(Guid tenantId, Guid userId, string loginId, string displayName,
        string passwordHash, string role, int seats, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@Key::text, 7))",
            new { Key = tenantId.ToString() }, transaction, cancellationToken: cancellationToken));
        var active = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM accounts.user_account WHERE tenant_id = @TenantId AND status = 1",
            new { TenantId = tenantId }, transaction, cancellationToken: cancellationToken));
        if (active >= seats)
        {
            return (CreateOutcome.NoSeat, active);
        }
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO accounts.user_account (user_id, kind, tenant_id, login_id, display_name, password_hash, roles, created_at)
            VALUES (@UserId, 3, @TenantId, @LoginId, @DisplayName, @PasswordHash, ARRAY[@Role], @At)
            ON CONFLICT (login_id) DO NOTHING
            """, new { UserId = userId, TenantId = tenantId, LoginId = loginId, DisplayName = displayName, PasswordHash = passwordHash, Role = role, At = at },
            transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return (CreateOutcome.LoginTaken, active);
        }
        await transaction.CommitAsync(cancellationToken);
        return (CreateOutcome.Created, active + 1);
    }

    public async Task<bool> IsLoginAvailableAsync(string loginId, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var owner = await connection.QueryFirstOrDefaultAsync<LoginOwner>(new CommandDefinition(
            "SELECT tenant_id FROM accounts.user_account WHERE login_id = @LoginId",
            new { LoginId = loginId }, cancellationToken: cancellationToken));
        // Free, or a user of this very tenant; an operator's login id (no tenant) is taken.
        return owner is null || owner.TenantId == tenantId;
    }

    /// <summary>
    /// The first admin of a newly approved tenant. A retried approval finds the admin it created before and gives it
    /// the new password (the earlier one was never delivered). Returns false when the login id belongs elsewhere.
    /// </summary>
    public async Task<bool> UpsertFirstAdminAsync(Guid tenantId, string loginId, string displayName, string passwordHash, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO accounts.user_account AS u (user_id, kind, tenant_id, login_id, display_name, password_hash, roles, created_at)
            VALUES (@UserId, 3, @TenantId, @LoginId, @DisplayName, @PasswordHash, ARRAY['admin'], @At)
            ON CONFLICT (login_id) DO UPDATE SET password_hash = excluded.password_hash
            WHERE u.tenant_id = excluded.tenant_id
            """, new { UserId = Guid.CreateVersion7(), TenantId = tenantId, LoginId = loginId, DisplayName = displayName, PasswordHash = passwordHash, At = at },
            cancellationToken: cancellationToken)) == 1;
    }

    public async Task<List<UserAccount>> ListUsersAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<UserAccount>(new CommandDefinition("""
            SELECT u.user_id, u.kind::int AS kind, u.tenant_id, u.login_id, u.display_name, u.password_hash, u.roles, u.failed_logins,
                   u.locked_until, u.totp_secret, u.totp_pending_secret, u.totp_last_step, u.created_at, u.status = 1 AS active
            FROM accounts.user_account u WHERE u.tenant_id = @TenantId ORDER BY u.created_at, u.user_id
            """, new { TenantId = tenantId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Disables a user of the tenant and revokes its sessions; false when no such active user.</summary>
    public async Task<bool> DeactivateAsync(Guid tenantId, Guid userId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH disabled AS (
                UPDATE accounts.user_account SET status = 2, deactivated_at = @At
                WHERE tenant_id = @TenantId AND user_id = @UserId AND status = 1
                RETURNING user_id
            ), revoked AS (
                UPDATE accounts.session SET revoked_at = @At
                WHERE user_id IN (SELECT user_id FROM disabled) AND revoked_at IS NULL
            )
            SELECT count(*)::int FROM disabled
            """, new { TenantId = tenantId, UserId = userId, At = at }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task CreateApiKeyAsync(ApiKeyRecord key, byte[] hash, Guid createdBy, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO accounts.api_key (key_id, tenant_id, name, prefix, key_hash, created_by, created_at)
            VALUES (@KeyId, @TenantId, @Name, @Prefix, @Hash, @CreatedBy, @CreatedAt)
            """, new { key.KeyId, key.TenantId, key.Name, key.Prefix, Hash = hash, CreatedBy = createdBy, key.CreatedAt },
            cancellationToken: cancellationToken));
    }

    public async Task<List<ApiKeyRecord>> ListApiKeysAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<ApiKeyRecord>(new CommandDefinition("""
            SELECT key_id, tenant_id, name, prefix, created_at, last_used_at, revoked_at
            FROM accounts.api_key WHERE tenant_id = @TenantId ORDER BY created_at DESC, key_id DESC
            """, new { TenantId = tenantId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> RevokeApiKeyAsync(Guid tenantId, Guid keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE accounts.api_key SET revoked_at = @At WHERE tenant_id = @TenantId AND key_id = @KeyId AND revoked_at IS NULL",
            new { TenantId = tenantId, KeyId = keyId, At = at }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>One round trip: finds a valid key by hash and records its use.</summary>
    public async Task<(Guid KeyId, Guid TenantId, string Name)?> UseApiKeyAsync(byte[] hash, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var key = await connection.QueryFirstOrDefaultAsync<UsedKey>(new CommandDefinition("""
            UPDATE accounts.api_key SET last_used_at = @At
            WHERE key_hash = @Hash AND revoked_at IS NULL
            RETURNING key_id, tenant_id, name
            """, new { Hash = hash, At = at }, cancellationToken: cancellationToken));
        return key is null ? null : (key.KeyId, key.TenantId, key.Name);
    }
}
