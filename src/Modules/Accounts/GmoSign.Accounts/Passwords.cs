using GmoSign.Errors;
using Microsoft.AspNetCore.Identity;

namespace GmoSign.Accounts;

/// <summary>
/// Password hashing with ASP.NET Core Identity's PasswordHasher (PBKDF2-HMAC-SHA512, 100,000 iterations,
/// random salt, versioned format) and the platform's password policy.
/// </summary>
internal sealed class Passwords
{
    private static readonly object User = new();
    private readonly PasswordHasher<object> _hasher = new();
    private readonly string _dummyHash;

    public Passwords() => _dummyHash = _hasher.HashPassword(User, "timing-equaliser-" + Guid.NewGuid());

    public string Hash(string password) => _hasher.HashPassword(User, password);

    public bool Verify(string hash, string password) =>
        _hasher.VerifyHashedPassword(User, hash, password) != PasswordVerificationResult.Failed;

    /// <summary>Spends the same time as a real check so that unknown login ids cannot be told apart by timing.</summary>
    public void VerifyNothing(string password) => _hasher.VerifyHashedPassword(User, _dummyHash, password);

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
