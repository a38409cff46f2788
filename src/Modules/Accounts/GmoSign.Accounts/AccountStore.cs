using GmoSign.Platform.Security;
using Npgsql;
using NpgsqlTypes;

namespace GmoSign.Accounts;

internal sealed record UserAccount(
    Guid UserId,
    CallerKind Kind,
    Guid? TenantId,
    string LoginId,
    string DisplayName,
    string PasswordHash,
    string[] Roles,
    int FailedLogins,
    DateTimeOffset? LockedUntil,
    byte[]? TotpSecret,
    byte[]? TotpPendingSecret,
    long? TotpLastStep,
    DateTimeOffset CreatedAt,
    bool Active)
{
    public bool IsAdmin => Roles.Contains("admin");
}

/// <summary>Rows of schema <c>accounts</c>: users by login id, sessions by token hash.</summary>
internal sealed class AccountStore(NpgsqlDataSource db)
{
    private const string UserColumns =
        "u.user_id, u.kind, u.tenant_id, u.login_id, u.display_name, u.password_hash, u.roles, u.failed_logins, u.locked_until, " +
        "u.totp_secret, u.totp_pending_secret, u.totp_last_step, u.created_at, u.status = 1";

    public async Task<UserAccount?> FindByLoginAsync(string loginId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            $"SELECT {UserColumns} FROM accounts.user_account u WHERE u.login_id = $1 AND u.status = 1");
        command.Parameters.AddWithValue(loginId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
    }

    /// <summary>Counts a wrong password; locks the account when the count reaches the limit. Returns the lock end.</summary>
    public async Task<DateTimeOffset?> RecordFailedLoginAsync(Guid userId, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            UPDATE accounts.user_account
            SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
                locked_until  = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
            WHERE user_id = $1
            RETURNING locked_until
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(maxFailures);
        command.Parameters.AddWithValue(lockUntil);
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is DateTime lockedUntil ? new DateTimeOffset(lockedUntil, TimeSpan.Zero) : null;
    }

    /// <summary>Opens a session and clears the failure count, in one statement.</summary>
    public async Task CreateSessionAsync(Guid userId, Guid sessionId, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, string? ipAddress, bool enrollmentOnly, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            WITH reset AS (
                UPDATE accounts.user_account SET failed_logins = 0, locked_until = NULL WHERE user_id = $1
            )
            INSERT INTO accounts.session (token_hash, session_id, user_id, created_at, expires_at, ip_address, enrollment_only)
            VALUES ($2, $3, $1, $4, $5, $6, $7)
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(tokenHash);
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(expiresAt);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ipAddress ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(enrollmentOnly);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<(UserAccount User, Guid SessionId, bool EnrollmentOnly)?> FindSessionAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            SELECT {UserColumns}, s.session_id, s.enrollment_only
            FROM accounts.session s JOIN accounts.user_account u ON u.user_id = s.user_id
            WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.status = 1
            """);
        command.Parameters.AddWithValue(tokenHash);
        command.Parameters.AddWithValue(now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (ReadUser(reader), reader.GetGuid(14), reader.GetBoolean(15)) : null;
    }

    public async Task RevokeSessionAsync(Guid sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "UPDATE accounts.session SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL");
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Creates the operator administrator unless that login id exists. Returns true when created.</summary>
    public async Task<bool> EnsureOperatorAsync(string loginId, string passwordHash, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO accounts.user_account (user_id, kind, login_id, display_name, password_hash, roles)
            VALUES ($1, 1, $2, $2, $3, ARRAY['admin'])
            ON CONFLICT (login_id) DO NOTHING
            """);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(loginId);
        command.Parameters.AddWithValue(passwordHash);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static UserAccount ReadUser(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        (CallerKind)r.GetInt16(1),
        r.IsDBNull(2) ? null : r.GetGuid(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        r.GetFieldValue<string[]>(6),
        r.GetInt32(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetFieldValue<byte[]>(9),
        r.IsDBNull(10) ? null : r.GetFieldValue<byte[]>(10),
        r.IsDBNull(11) ? null : r.GetInt64(11),
        r.GetFieldValue<DateTimeOffset>(12),
        r.GetBoolean(13));

    /// <summary>Accepts a TOTP step once: false when this or a later step was already used (a replayed code).</summary>
    public async Task<bool> UseTotpStepAsync(Guid userId, long step, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            UPDATE accounts.user_account SET totp_last_step = $2
            WHERE user_id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(step);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task SetPendingTotpAsync(Guid userId, byte[] secret, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("UPDATE accounts.user_account SET totp_pending_secret = $2 WHERE user_id = $1");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(secret);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Makes the pending secret the user's second factor and lifts enrollment-only sessions.</summary>
    public async Task ConfirmTotpAsync(Guid userId, long step, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            WITH lifted AS (
                UPDATE accounts.session SET enrollment_only = false WHERE user_id = $1 AND enrollment_only
            )
            UPDATE accounts.user_account
            SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = $2
            WHERE user_id = $1 AND totp_pending_secret IS NOT NULL
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(step);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<UserAccount?> FindByIdAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"SELECT {UserColumns} FROM accounts.user_account u WHERE u.user_id = $1");
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
    }

    public async Task SetPasswordAsync(Guid userId, string passwordHash, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("UPDATE accounts.user_account SET password_hash = $2 WHERE user_id = $1");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(passwordHash);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> TotpRequiredAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT totp_required FROM accounts.tenant_security WHERE tenant_id = $1");
        command.Parameters.AddWithValue(tenantId);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public async Task SetTotpRequiredAsync(Guid tenantId, bool required, Guid by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO accounts.tenant_security (tenant_id, totp_required, updated_at, updated_by) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id) DO UPDATE SET totp_required = excluded.totp_required,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(required);
        command.Parameters.AddWithValue(at);
        command.Parameters.AddWithValue(by);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
