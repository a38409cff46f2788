using GmoSign.Platform.Security;
using Npgsql;

namespace GmoSign.Accounts;

internal sealed record ApiKeyRecord(Guid KeyId, Guid TenantId, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Tenant users and integration API keys (schema <c>accounts</c>).</summary>
internal sealed class TenantUserStore(NpgsqlDataSource db)
{
    public enum CreateOutcome { Created, LoginTaken, NoSeat }

    /// <summary>
    /// Creates a tenant user if a seat is free. The count and the insert run in one transaction under an advisory
    /// lock on the tenant, so concurrent creations can never exceed the seats.
    /// </summary>
    public async Task<(CreateOutcome Outcome, int ActiveAfter)> CreateUserAsync(Guid tenantId, Guid userId, string loginId, string displayName,
        string passwordHash, string role, int seats, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockTenant = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))", connection, transaction))
        {
            lockTenant.Parameters.AddWithValue(tenantId.ToString());
            await lockTenant.ExecuteNonQueryAsync(cancellationToken);
        }
        int active;
        await using (var count = new NpgsqlCommand(
            "SELECT count(*)::int FROM accounts.user_account WHERE tenant_id = $1 AND status = 1", connection, transaction))
        {
            count.Parameters.AddWithValue(tenantId);
            active = (int)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        if (active >= seats)
        {
            return (CreateOutcome.NoSeat, active);
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO accounts.user_account (user_id, kind, tenant_id, login_id, display_name, password_hash, roles, created_at)
            VALUES ($1, 3, $2, $3, $4, $5, ARRAY[$6], $7)
            ON CONFLICT (login_id) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(userId);
            insert.Parameters.AddWithValue(tenantId);
            insert.Parameters.AddWithValue(loginId);
            insert.Parameters.AddWithValue(displayName);
            insert.Parameters.AddWithValue(passwordHash);
            insert.Parameters.AddWithValue(role);
            insert.Parameters.AddWithValue(at);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return (CreateOutcome.LoginTaken, active);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return (CreateOutcome.Created, active + 1);
    }

    public async Task<bool> IsLoginAvailableAsync(string loginId, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT tenant_id FROM accounts.user_account WHERE login_id = $1");
        command.Parameters.AddWithValue(loginId);
        var owner = await command.ExecuteScalarAsync(cancellationToken);
        return owner is null || (owner is Guid id && id == tenantId);
    }

    /// <summary>
    /// The first admin of a newly approved tenant. A retried approval finds the admin it created before and gives it
    /// the new password (the earlier one was never delivered). Returns false when the login id belongs elsewhere.
    /// </summary>
    public async Task<bool> UpsertFirstAdminAsync(Guid tenantId, string loginId, string displayName, string passwordHash, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO accounts.user_account AS u (user_id, kind, tenant_id, login_id, display_name, password_hash, roles, created_at)
            VALUES ($1, 3, $2, $3, $4, $5, ARRAY['admin'], $6)
            ON CONFLICT (login_id) DO UPDATE SET password_hash = excluded.password_hash
            WHERE u.tenant_id = excluded.tenant_id
            """);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(loginId);
        command.Parameters.AddWithValue(displayName);
        command.Parameters.AddWithValue(passwordHash);
        command.Parameters.AddWithValue(at);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<List<UserAccount>> ListUsersAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT u.user_id, u.kind, u.tenant_id, u.login_id, u.display_name, u.password_hash, u.roles, u.failed_logins,
                   u.locked_until, u.totp_secret, u.totp_pending_secret, u.totp_last_step, u.created_at, u.status = 1
            FROM accounts.user_account u WHERE u.tenant_id = $1 ORDER BY u.created_at, u.user_id
            """);
        command.Parameters.AddWithValue(tenantId);
        var users = new List<UserAccount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(new UserAccount(reader.GetGuid(0), (CallerKind)reader.GetInt16(1), reader.GetGuid(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetFieldValue<string[]>(6), reader.GetInt32(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<byte[]>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<byte[]>(10),
                reader.IsDBNull(11) ? null : reader.GetInt64(11),
                reader.GetFieldValue<DateTimeOffset>(12), reader.GetBoolean(13)));
        }
        return users;
    }

    /// <summary>Disables a user of the tenant and revokes its sessions; false when no such active user.</summary>
    public async Task<bool> DeactivateAsync(Guid tenantId, Guid userId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            WITH disabled AS (
                UPDATE accounts.user_account SET status = 2, deactivated_at = $3
                WHERE tenant_id = $1 AND user_id = $2 AND status = 1
                RETURNING user_id
            ), revoked AS (
                UPDATE accounts.session SET revoked_at = $3
                WHERE user_id IN (SELECT user_id FROM disabled) AND revoked_at IS NULL
            )
            SELECT count(*)::int FROM disabled
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(at);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    public async Task CreateApiKeyAsync(ApiKeyRecord key, byte[] hash, Guid createdBy, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO accounts.api_key (key_id, tenant_id, name, prefix, key_hash, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """);
        command.Parameters.AddWithValue(key.KeyId);
        command.Parameters.AddWithValue(key.TenantId);
        command.Parameters.AddWithValue(key.Name);
        command.Parameters.AddWithValue(key.Prefix);
        command.Parameters.AddWithValue(hash);
        command.Parameters.AddWithValue(createdBy);
        command.Parameters.AddWithValue(key.CreatedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<List<ApiKeyRecord>> ListApiKeysAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT key_id, tenant_id, name, prefix, created_at, last_used_at, revoked_at
            FROM accounts.api_key WHERE tenant_id = $1 ORDER BY created_at DESC, key_id DESC
            """);
        command.Parameters.AddWithValue(tenantId);
        var keys = new List<ApiKeyRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new ApiKeyRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return keys;
    }

    public async Task<bool> RevokeApiKeyAsync(Guid tenantId, Guid keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "UPDATE accounts.api_key SET revoked_at = $3 WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL");
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(keyId);
        command.Parameters.AddWithValue(at);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>One round trip: finds a valid key by hash and records its use.</summary>
    public async Task<(Guid KeyId, Guid TenantId, string Name)?> UseApiKeyAsync(byte[] hash, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            UPDATE accounts.api_key SET last_used_at = $2
            WHERE key_hash = $1 AND revoked_at IS NULL
            RETURNING key_id, tenant_id, name
            """);
        command.Parameters.AddWithValue(hash);
        command.Parameters.AddWithValue(at);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)) : null;
    }
}
