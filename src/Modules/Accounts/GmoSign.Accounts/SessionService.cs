using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using Microsoft.Extensions.Options;

namespace GmoSign.Accounts;

/// <summary>Sign-in with lockout, and session tokens that expire and can be revoked (terms Art. 7).</summary>
internal sealed class SessionService(
    AccountStore store, Passwords passwords, IOptions<AccountsOptions> options, TimeProvider clock) : ICredentialResolver
{
    public const string TokenPrefix = "gss";

    public sealed record SignedIn(string Token, DateTimeOffset ExpiresAt, Caller Caller);

    public async Task<SignedIn> LoginAsync(string? loginIdInput, string? passwordInput, string? ipAddress, CancellationToken cancellationToken)
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

        var settings = options.Value;
        var now = clock.GetUtcNow();
        var user = await store.FindByLoginAsync(loginId, cancellationToken);
        if (user is null)
        {
            passwords.VerifyNothing(passwordInput);
            throw WrongCredentials();
        }
        if (user.LockedUntil is { } lockedUntil && lockedUntil > now)
        {
            throw Locked(lockedUntil);
        }
        if (!passwords.Verify(user.PasswordHash, passwordInput))
        {
            var lockEnd = await store.RecordFailedLoginAsync(user.UserId, settings.MaxFailedLogins, now + settings.LockoutDuration, cancellationToken);
            if (lockEnd is { } end && end > now)
            {
                throw Locked(end);
            }
            throw WrongCredentials();
        }

        var token = SecretTokens.Create(TokenPrefix);
        var sessionId = Guid.CreateVersion7();
        var expiresAt = now + settings.SessionLifetime;
        await store.CreateSessionAsync(user.UserId, sessionId, SecretTokens.Hash(token), now, expiresAt, ipAddress, cancellationToken);
        return new SignedIn(token, expiresAt, ToCaller(user, sessionId));
    }

    public Task LogoutAsync(Caller caller, CancellationToken cancellationToken) =>
        caller.SessionId is { } id && Guid.TryParse(id, out var sessionId)
            ? store.RevokeSessionAsync(sessionId, clock.GetUtcNow(), cancellationToken)
            : Task.CompletedTask;

    public async ValueTask<Caller?> ResolveAsync(CredentialType type, string credential, CancellationToken cancellationToken)
    {
        if (type != CredentialType.Bearer || !credential.StartsWith(TokenPrefix + "_", StringComparison.Ordinal))
        {
            return null;
        }
        var found = await store.FindSessionAsync(SecretTokens.Hash(credential), clock.GetUtcNow(), cancellationToken);
        return found is { } session ? ToCaller(session.User, session.SessionId) : null;
    }

    private static Caller ToCaller(UserAccount user, Guid sessionId) =>
        new(user.Kind, user.UserId, user.TenantId, null, user.Roles, user.DisplayName, sessionId.ToString());

    private static DomainException WrongCredentials() => DomainException.Unauthenticated(
        "The login id or password is wrong.", "ログインIDまたはパスワードが正しくありません。");

    private static DomainException Locked(DateTimeOffset until) =>
        new(ErrorKind.FailedPrecondition, "ACCOUNT_LOCKED",
            $"The account is locked after repeated failed sign-ins until {until:yyyy-MM-dd HH:mm} UTC.",
            $"サインインの失敗が続いたため、アカウントは {until.ToOffset(TimeSpan.FromHours(9)):yyyy-MM-dd HH:mm}（日本時間）までロックされています。")
        {
            Metadata = { ["locked_until"] = until.ToString("O") },
        };
}
