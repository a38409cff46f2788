using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GmoSign.Signing.Pdf;

/// <summary>A certificate with its private key and the chain up to (not including) the root, as CMS embeds it.</summary>
public sealed class SigningIdentity(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain) : IDisposable
{
    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>Issuing CAs (and, for convenience of verifiers, the root last).</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; } = chain;

    /// <summary>The key, obtained once: signing must not re-open it per signature.</summary>
    public ECDsa Key { get; } = certificate.GetECDsaPrivateKey()
        ?? throw new ArgumentException("The signing certificate needs an ECDSA private key.", nameof(certificate));

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
    }
}
