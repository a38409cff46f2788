using GmoSign.Errors;
using Microsoft.AspNetCore.Identity;

namespace GmoSign.Accounts;

/// <summary>
/// Password hashing with ASP.NET Core Identity's PasswordHasher (PBKDF2-HMAC-SHA512, 100,000 iterations,
/// random salt, versioned format) and the platform's password policy. At most half the cores hash at once (queued
/// callers wait without holding a thread), so a flood of logins cannot take the CPU from everyone else's calls.
/// </summary>
internal sealed class Passwords
{
    private static readonly object User = new();
    private readonly PasswordHasher<object> _hasher = new();
    private readonly string _dummyHash;
    private readonly SemaphoreSlim _gate = new(Math.Max(1, Environment.ProcessorCount / 2));

    public Passwords() => _dummyHash = _hasher.HashPassword(User, "timing-equaliser-" + Guid.NewGuid());

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        GatedAsync(() => _hasher.HashPassword(User, password), cancellationToken);

    public Task<bool> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        GatedAsync(() => _hasher.VerifyHashedPassword(User, hash, password) != PasswordVerificationResult.Failed, cancellationToken);

    /// <summary>Spends the same time as a real check so that unknown login ids cannot be told apart by timing.</summary>
    public Task VerifyNothingAsync(string password, CancellationToken cancellationToken) =>
        GatedAsync(() => _hasher.VerifyHashedPassword(User, _dummyHash, password), cancellationToken);

    private async Task<T> GatedAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>At least 12 characters, at most 256, from at least three of: lower, upper, digits, symbols.</summary>
    public static void EnforcePolicy(string password, string field)
    {
        if (password.Length < 12)
        {
            throw DomainException.Invalid(field, "must be at least 12 characters", "12文字以上で設定してください");
        }
        if (password.Length > 256)
        {
            throw DomainException.TooLong(field, 256);
        }
        var classes = (password.Any(char.IsLower) ? 1 : 0) + (password.Any(char.IsUpper) ? 1 : 0)
            + (password.Any(char.IsDigit) ? 1 : 0) + (password.Any(c => !char.IsLetterOrDigit(c)) ? 1 : 0);
        if (classes < 3)
        {
            throw DomainException.Invalid(field,
                "must mix at least three of: lower-case, upper-case, digits, symbols",
                "英小文字・英大文字・数字・記号のうち3種類以上を組み合わせてください");
        }
    }
}
