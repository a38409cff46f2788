using System.Security.Cryptography;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Retention.Contracts;

namespace GmoSign.Signing;

/// <summary>Makes the signing-link token of one recipient (used when notifications are delivered).</summary>
internal interface ISigningLinks
{
    string Create(Guid tenantId, Guid envelopeId, Guid recipientId);
}

/// <summary>
/// Signing links: <c>gsl_</c> + base64url(tenant | envelope | recipient | HMAC-SHA256 of the three), keyed by a key
/// derived from the master key. Nothing is stored: the MAC proves the link, the envelope grain decides whether the
/// recipient may still act (voided, expired, reassigned envelopes refuse), so revocation is immediate.
/// </summary>
internal sealed class SigningLinks(IKeyDerivation keys) : ISigningLinks, ICredentialResolver
{
    public const string Prefix = "gsl_";
    private readonly Lazy<byte[]> _key = new(() => keys.DeriveKey("gmosign signing links v1"));

    public string Create(Guid tenantId, Guid envelopeId, Guid recipientId)
    {
        var payload = new byte[48 + 32];
        tenantId.TryWriteBytes(payload.AsSpan(0, 16));
        envelopeId.TryWriteBytes(payload.AsSpan(16, 16));
        recipientId.TryWriteBytes(payload.AsSpan(32, 16));
        HMACSHA256.HashData(_key.Value, payload.AsSpan(0, 48), payload.AsSpan(48));
        return Prefix + SecretTokens.Base64Url(payload);
    }

    public ValueTask<Caller?> ResolveAsync(CredentialType type, string credential, CancellationToken cancellationToken)
    {
        if (type != CredentialType.Bearer || !credential.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return ValueTask.FromResult<Caller?>(null);
        }
        var text = credential[Prefix.Length..];
        var payload = Decode(text);
        Span<byte> mac = stackalloc byte[32];
        // One spelling per link: base64url without padding, unused trailing bits zero (re-encoding gives the same text).
        if (payload is not { Length: 80 } || !string.Equals(SecretTokens.Base64Url(payload), text, StringComparison.Ordinal))
        {
            throw Invalid();
        }
        HMACSHA256.HashData(_key.Value, payload.AsSpan(0, 48), mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, payload.AsSpan(48)))
        {
            throw Invalid();
        }
        var tenantId = new Guid(payload.AsSpan(0, 16));
        return ValueTask.FromResult<Caller?>(new Caller(CallerKind.Signer, null, tenantId, null, [], "signer")
        {
            EnvelopeId = new Guid(payload.AsSpan(16, 16)),
            RecipientId = new Guid(payload.AsSpan(32, 16)),
        });
    }

    private static byte[]? Decode(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static DomainException Invalid() =>
        DomainException.Unauthenticated("The signing link is not valid.", "署名用リンクが無効です。");
}
