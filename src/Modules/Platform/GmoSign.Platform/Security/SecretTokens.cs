using System.Security.Cryptography;
using System.Text;

namespace GmoSign.Platform.Security;

/// <summary>
/// Unguessable bearer secrets (session tokens, API keys, signing links): 256 random bits, base64url, with a
/// prefix that says what the secret is. Only the SHA-256 of a secret is stored, so a database leak yields no
/// usable credential; a fast hash is right here because the secret itself has full entropy.
/// </summary>
public static class SecretTokens
{
    public static string Create(string prefix) => $"{prefix}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
