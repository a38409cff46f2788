using Dapper;
using GmoSign.Platform.Security;
using Npgsql;

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
    // kind is smallint; CallerKind is an int enum, and Dapper maps an enum only from its own underlying type.
    private const string UserColumns =
        "u.user_id, u.kind::int AS kind, u.tenant_id, u.login_id, u.display_name, u.password_hash, u.roles, u.failed_logins, u.locked_until, " +
        "u.totp_secret, u.totp_pending_secret, u.totp_last_step, u.created_at, u.status = 1 AS active";

    private sealed record SessionFlags(Guid SessionId, bool EnrollmentOnly, DateTimeOffset ExpiresAt);

    /// <summary>A session that is in force: its user, and until when it lasts unless revoked.</summary>
    public sealed record FoundSession(UserAccount User, Guid SessionId, bool EnrollmentOnly, DateTimeOffset ExpiresAt);

    public async Task<UserAccount?> FindByLoginAsync(string loginId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.QueryFirstOrDefaultAsync<UserAccount>(new CommandDefinition(
            $"SELECT {UserColumns} FROM accounts.user_account u WHERE u.login_id = @LoginId AND u.status = 1",
            new { LoginId = loginId }, cancellationToken: cancellationToken));
    }

    /// <summary>Counts a wrong password; locks the account when the count reaches the limit. Returns the lock end.</summary>
    public async Task<DateTimeOffset?> RecordFailedLoginAsync(Guid userId, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition("""
            UPDATE accounts.user_account
            SET failed_logins = CASE WHEN failed_logins + 1 >= @MaxFailures THEN 0 ELSE failed_logins + 1 END,
                locked_until  = CASE WHEN failed_logins + 1 >= @MaxFailures THEN @LockUntil ELSE locked_until END
            WHERE user_id = @UserId
            RETURNING locked_until
            """, new { UserId = userId, MaxFailures = maxFailures, LockUntil = lockUntil }, cancellationToken: cancellationToken));
    }

    /// <summary>Opens a session and clears the failure count, in one statement.</summary>
    public async Task CreateSessionAsync(Guid userId, Guid sessionId, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, string? ipAddress, bool enrollmentOnly, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH reset AS (
                UPDATE accounts.user_account SET failed_logins = 0, locked_until = NULL WHERE user_id = @UserId
            )
            INSERT INTO accounts.session (token_hash, session_id, user_id, created_at, expires_at, ip_address, enrollment_only)
            VALUES (@TokenHash, @SessionId, @UserId, @Now, @ExpiresAt, @IpAddress, @EnrollmentOnly)
            """, new
        {
            UserId = userId, TokenHash = tokenHash, SessionId = sessionId, Now = now, ExpiresAt = expiresAt, IpAddress = ipAddress,
            EnrollmentOnly = enrollmentOnly,
        }, cancellationToken: cancellationToken));
    }

    public async Task<FoundSession?> FindSessionAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var found = await connection.QueryAsync<UserAccount, SessionFlags, FoundSession>(new CommandDefinition($"""
            SELECT {UserColumns}, s.session_id, s.enrollment_only, s.expires_at
            FROM accounts.session s JOIN accounts.user_account u ON u.user_id = s.user_id
            WHERE s.token_hash = @TokenHash AND s.revoked_at IS NULL AND s.expires_at > @Now AND u.status = 1
            """, new { TokenHash = tokenHash, Now = now }, cancellationToken: cancellationToken),
            (user, session) => new FoundSession(user, session.SessionId, session.EnrollmentOnly, session.ExpiresAt), splitOn: "session_id");
        return found.FirstOrDefault(f => f.User is not null);
    }

    public async Task RevokeSessionAsync(Guid sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE accounts.session SET revoked_at = @Now WHERE session_id = @SessionId AND revoked_at IS NULL",
            new { SessionId = sessionId, Now = now }, cancellationToken: cancellationToken));
    }

    /// <summary>Creates the operator administrator unless that login id exists. Returns true when created.</summary>
    public async Task<bool> EnsureOperatorAsync(string loginId, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO accounts.user_account (user_id, kind, login_id, display_name, password_hash, roles)
            VALUES (@UserId, 1, @LoginId, @LoginId, @PasswordHash, ARRAY['admin'])
            ON CONFLICT (login_id) DO NOTHING
            """, new { UserId = Guid.CreateVersion7(), LoginId = loginId, PasswordHash = passwordHash }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Accepts a TOTP step once: false when this or a later step was already used (a replayed code).</summary>
    public async Task<bool> UseTotpStepAsync(Guid userId, long step, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE accounts.user_account SET totp_last_step = @Step
            WHERE user_id = @UserId AND (totp_last_step IS NULL OR totp_last_step < @Step)
            """, new { UserId = userId, Step = step }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task SetPendingTotpAsync(Guid userId, byte[] secret, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE accounts.user_account SET totp_pending_secret = @Secret WHERE user_id = @UserId",
            new { UserId = userId, Secret = secret }, cancellationToken: cancellationToken));
    }

    /// <summary>Makes the pending secret the user's second factor and lifts enrollment-only sessions.</summary>
    public async Task ConfirmTotpAsync(Guid userId, long step, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH lifted AS (
                UPDATE accounts.session SET enrollment_only = false WHERE user_id = @UserId AND enrollment_only
            )
            UPDATE accounts.user_account
            SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = @Step
            WHERE user_id = @UserId AND totp_pending_secret IS NOT NULL
            """, new { UserId = userId, Step = step }, cancellationToken: cancellationToken));
    }

    public async Task<UserAccount?> FindByIdAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.QueryFirstOrDefaultAsync<UserAccount>(new CommandDefinition(
            $"SELECT {UserColumns} FROM accounts.user_account u WHERE u.user_id = @UserId",
            new { UserId = userId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Sets the password and, in the same statement, revokes every other session of the user: whoever signed in with
    /// the old password (a shared or stolen one, another device) is signed out; <paramref name="keepSessionId"/> (the
    /// session that made the change) stays.
    /// </summary>
    public async Task SetPasswordAsync(Guid userId, string passwordHash, Guid? keepSessionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH changed AS (
                UPDATE accounts.user_account SET password_hash = @PasswordHash WHERE user_id = @UserId RETURNING user_id
            )
            UPDATE accounts.session SET revoked_at = @At
            WHERE user_id IN (SELECT user_id FROM changed) AND revoked_at IS NULL
              AND session_id IS DISTINCT FROM @KeepSessionId
            """, new { UserId = userId, PasswordHash = passwordHash, KeepSessionId = keepSessionId, At = at }, cancellationToken: cancellationToken));
    }

    public async Task<bool> TotpRequiredAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT totp_required FROM accounts.tenant_security WHERE tenant_id = @TenantId",
            new { TenantId = tenantId }, cancellationToken: cancellationToken)) is true;
    }

    public async Task SetTotpRequiredAsync(Guid tenantId, bool required, Guid by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO accounts.tenant_security (tenant_id, totp_required, updated_at, updated_by) VALUES (@TenantId, @Required, @At, @By)
            ON CONFLICT (tenant_id) DO UPDATE SET totp_required = excluded.totp_required,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, new { TenantId = tenantId, Required = required, At = at, By = by }, cancellationToken: cancellationToken));
    }
}
