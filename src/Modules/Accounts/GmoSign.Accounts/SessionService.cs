using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.Contracts;
using Microsoft.Extensions.Options;

namespace GmoSign.Accounts;

/// <summary>
/// Sign-in with lockout and TOTP, and session tokens that expire and can be revoked (terms Art. 7).
/// Also resolves session tokens and integration API keys into callers.
/// </summary>
internal sealed class SessionService(
    AccountStore store,
    TenantUserStore tenantUsers,
    Passwords passwords,
    ITenantContracts tenants,
    IpAllowList ipAllowList,
    SessionCache sessions,
    IOptions<AccountsOptions> options,
    TimeProvider clock) : ICredentialResolver
{
    public const string TokenPrefix = "gss";
    public const string ApiKeyPrefix = "gsk";

    public sealed record SignedIn(string Token, DateTimeOffset ExpiresAt, Caller Caller);

    public async Task<SignedIn> LoginAsync(string? loginIdInput, string? passwordInput, string? totpCode, string? ipAddress, CancellationToken cancellationToken)
    {
        var loginId = Check.Required(loginIdInput, "login_id", 254).ToLowerInvariant();
        if (string.IsNullOrEmpty(passwordInput))
        {
            throw DomainException.Required("password");
        }
        if (passwordInput.Length > 256)
        {
            throw DomainException.TooLong("password", 256);
        }
        if (!string.IsNullOrEmpty(totpCode) && totpCode.Length > 10)
        {
            throw DomainException.TooLong("totp_code", 10);
        }

        var settings = options.Value;
        var now = clock.GetUtcNow();
        var user = await store.FindByLoginAsync(loginId, cancellationToken);
        if (user is null)
        {
            await passwords.VerifyNothingAsync(passwordInput, cancellationToken);
            throw WrongCredentials();
        }
        if (user.LockedUntil is { } lockedUntil && lockedUntil > now)
        {
            throw Locked(lockedUntil);
        }
        if (!await passwords.VerifyAsync(user.PasswordHash, passwordInput, cancellationToken))
        {
            throw await FailedAsync(user, now, WrongCredentials(), cancellationToken);
        }

        if (user.TotpSecret is { } secret)
        {
            if (string.IsNullOrEmpty(totpCode))
            {
                // The password was right; the second factor is still missing. Not counted as a failure.
                throw new DomainException(ErrorKind.Unauthenticated, "TOTP_REQUIRED",
                    "totp_code: a one-time code from the authenticator app is required.",
                    "totp_code: 認証アプリのワンタイムコードが必要です。", "totp_code");
            }
            var step = Totp.Verify(secret, totpCode, now, user.TotpLastStep);
            if (step is null || !await store.UseTotpStepAsync(user.UserId, step.Value, cancellationToken))
            {
                throw await FailedAsync(user, now, new DomainException(ErrorKind.Unauthenticated, "TOTP_INVALID",
                    "totp_code: the one-time code is wrong, expired or already used.",
                    "totp_code: ワンタイムコードが正しくないか、期限切れか、使用済みです。", "totp_code"), cancellationToken);
            }
        }

        var enrollmentOnly = false;
        if (user.Kind == CallerKind.TenantUser)
        {
            var tenant = await tenants.GetAsync(user.TenantId!.Value, cancellationToken);
            if (tenant is null || !tenant.CanSignIn(now))
            {
                throw DomainException.Denied("The contract of your organization has ended.", "ご契約は終了しています。");
            }
            await ipAllowList.EnforceAsync(tenant.TenantId, ipAddress, tenant.SessionEpoch, cancellationToken);
            enrollmentOnly = user.TotpSecret is null && await store.TotpRequiredAsync(tenant.TenantId, cancellationToken);
        }

        var token = SecretTokens.Create(TokenPrefix);
        var sessionId = Guid.CreateVersion7();
        var expiresAt = now + settings.SessionLifetime;
        await store.CreateSessionAsync(user.UserId, sessionId, SecretTokens.Hash(token), now, expiresAt, ipAddress, enrollmentOnly, cancellationToken);
        return new SignedIn(token, expiresAt, ToCaller(user, sessionId, enrollmentOnly));
    }

    public async Task LogoutAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (caller.SessionId is { } id && Guid.TryParse(id, out var sessionId))
        {
            // Not cancelled half-way: once the row is revoked, the other hosts must hear of it.
            await store.RevokeSessionAsync(sessionId, clock.GetUtcNow(), CancellationToken.None);
            if (caller.TenantId is { } tenantId)
            {
                await tenants.ForgetSessionsAsync(tenantId, CancellationToken.None);
            }
        }
    }

    public async ValueTask<Caller?> ResolveAsync(CredentialType type, string credential, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (type == CredentialType.Bearer && credential.StartsWith(TokenPrefix + "_", StringComparison.Ordinal))
        {
            var hash = SecretTokens.Hash(credential);
            var key = SessionCache.KeyOf(hash);
            Guid tenantId;
            if (sessions.TryGet(key, out var known))
            {
                if (known.ExpiresAt <= now)
                {
                    sessions.Forget(key);
                    return null;
                }
                tenantId = known.TenantId;
            }
            else
            {
                var found = await store.FindSessionAsync(hash, now, cancellationToken);
                if (found is null)
                {
                    return null;
                }
                if (found.User.Kind != CallerKind.TenantUser)
                {
                    return ToCaller(found.User, found.SessionId, found.EnrollmentOnly);
                }
                tenantId = found.User.TenantId!.Value;
            }
            // The tenant is read on every call (its contract decides sign-in); its session epoch says whether anything
            // revoked or changed a session of its users since a remembered one was read.
            var tenant = await tenants.GetAsync(tenantId, cancellationToken);
            if (tenant is null || !tenant.CanSignIn(now))
            {
                return null;
            }
            return known is not null && known.Epoch == tenant.SessionEpoch && now - known.ReadAt < SessionCache.MaxAge
                ? known.Caller
                // Remembered only from a read made after the epoch was: a revocation between the two reads bumps it.
                : await ReadSessionAsync(hash, key, now, tenant.SessionEpoch, cancellationToken);
        }
        if (type == CredentialType.ApiKey && credential.StartsWith(ApiKeyPrefix + "_", StringComparison.Ordinal))
        {
            var key = await tenantUsers.UseApiKeyAsync(SecretTokens.Hash(credential), now, cancellationToken);
            if (key is not { } k)
            {
                return null;
            }
            // An integration acts only while the tenant holds the API option and its contract allows sign-in.
            var tenant = await tenants.GetAsync(k.TenantId, cancellationToken);
            if (tenant is null || !tenant.CanSignIn(now) || !tenant.Holds(OptionCodes.ApiAccess))
            {
                return null;
            }
            return new Caller(CallerKind.Integration, null, k.TenantId, null, [], k.Name, null) { TenantEpoch = tenant.SessionEpoch };
        }
        return null;
    }

    /// <summary>Reads a tenant user's session (after its tenant's <paramref name="epoch"/>) and remembers it under that epoch.</summary>
    private async Task<Caller?> ReadSessionAsync(byte[] hash, SessionCache.Key key, DateTimeOffset now, Guid epoch, CancellationToken cancellationToken)
    {
        var found = await store.FindSessionAsync(hash, now, cancellationToken);
        if (found is null)
        {
            sessions.Forget(key);
            return null;
        }
        var caller = ToCaller(found.User, found.SessionId, found.EnrollmentOnly);
        if (found.User is { Kind: CallerKind.TenantUser, TenantId: { } tenantId })
        {
            caller = caller with { TenantEpoch = epoch };
            sessions.Remember(key, new SessionCache.Entry(tenantId, epoch, found.ExpiresAt, now, caller));
        }
        else
        {
            sessions.Forget(key);
        }
        return caller;
    }

    private async Task<DomainException> FailedAsync(UserAccount user, DateTimeOffset now, DomainException error, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var lockEnd = await store.RecordFailedLoginAsync(user.UserId, settings.MaxFailedLogins, now + settings.LockoutDuration, cancellationToken);
        return lockEnd is { } end && end > now ? Locked(end) : error;
    }

    private static Caller ToCaller(UserAccount user, Guid sessionId, bool enrollmentOnly) =>
        new(user.Kind, user.UserId, user.TenantId, null, user.Roles, user.DisplayName, sessionId.ToString())
        {
            EnrollmentOnly = enrollmentOnly,
        };

    private static DomainException WrongCredentials() => DomainException.Unauthenticated(
        "The login id or password is wrong.", "ログインIDまたはパスワードが正しくありません。");

    private static DomainException Locked(DateTimeOffset until) =>
        new(ErrorKind.FailedPrecondition, "ACCOUNT_LOCKED",
            $"The account is locked after repeated failed sign-ins until {until:yyyy-MM-dd HH:mm} UTC.",
            $"サインインの失敗が続いたため、アカウントは {until.ToOffset(JapanTime.Offset):yyyy-MM-dd HH:mm}（日本時間）までロックされています。")
        {
            Metadata = { ["locked_until"] = until.ToString("O") },
        };
}
