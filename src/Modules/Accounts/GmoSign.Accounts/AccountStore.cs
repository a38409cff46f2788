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
    byte[]? TotpSecret);

/// <summary>Rows of schema <c>accounts</c>: users by login id, sessions by token hash.</summary>
internal sealed class AccountStore(NpgsqlDataSource db)
{
    private const string UserColumns =
        "u.user_id, u.kind, u.tenant_id, u.login_id, u.display_name, u.password_hash, u.roles, u.failed_logins, u.locked_until, u.totp_secret";

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
    public async Task CreateSessionAsync(Guid userId, Guid sessionId, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, string? ipAddress, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            WITH reset AS (
                UPDATE accounts.user_account SET failed_logins = 0, locked_until = NULL WHERE user_id = $1
            )
            INSERT INTO accounts.session (token_hash, session_id, user_id, created_at, expires_at, ip_address)
            VALUES ($2, $3, $1, $4, $5, $6)
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(tokenHash);
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(expiresAt);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ipAddress ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<(UserAccount User, Guid SessionId)?> FindSessionAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            SELECT {UserColumns}, s.session_id
            FROM accounts.session s JOIN accounts.user_account u ON u.user_id = s.user_id
            WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.status = 1
            """);
        command.Parameters.AddWithValue(tokenHash);
        command.Parameters.AddWithValue(now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (ReadUser(reader), reader.GetGuid(10)) : null;
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
        r.IsDBNull(9) ? null : r.GetFieldValue<byte[]>(9));
}
