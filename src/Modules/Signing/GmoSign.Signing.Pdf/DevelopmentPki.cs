using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GmoSign.Signing.Pdf;

/// <summary>
/// The development PKI (terms Art. 9, see docs/terms.md): a root CA, an issuing CA, the platform's document-signing certificate
/// (witness-type signatures), a timestamp authority certificate, and signer certificates issued to people
/// (certificate-type signatures). Keys are ECDSA P-256. Production replaces all of it with an external CA and TSA.
/// </summary>
public sealed class DevelopmentPki : IDisposable
{
    public const string DocumentSigningEku = "1.3.6.1.5.5.7.3.36"; // id-kp-documentSigning (RFC 9336)
    public const string EmailProtectionEku = "1.3.6.1.5.5.7.3.4"; // id-kp-emailProtection: what NSS (poppler) and Acrobat look for in a signer
    public const string TimeStampingEku = "1.3.6.1.5.5.7.3.8";

    /// <summary>How long a CRL the development CAs publish stays current.</summary>
    public static readonly TimeSpan CrlValidity = TimeSpan.FromDays(7);

    private DevelopmentPki(X509Certificate2 root, X509Certificate2 issuingCa, SigningIdentity platformSigner, SigningIdentity timestamping,
        byte[]? rootCrl)
    {
        RootCrl = rootCrl;
        Root = root;
        IssuingCa = issuingCa;
        PlatformSigner = platformSigner;
        Timestamping = timestamping;
    }

    public X509Certificate2 Root { get; }

    /// <summary>The issuing CA, with its private key.</summary>
    public X509Certificate2 IssuingCa { get; }

    public SigningIdentity PlatformSigner { get; }

    public SigningIdentity Timestamping { get; }

    /// <summary>
    /// The root's CRL (it revokes nothing; it says the issuing CA is good), signed when the PKI was made — the root's
    /// key is not kept. Null for a PKI made before CRLs were published.
    /// </summary>
    public byte[]? RootCrl { get; }

    /// <summary>The issuing CA's current CRL (it revokes nothing), signed now, valid for <see cref="CrlValidity"/>.</summary>
    public byte[] IssuingCaCrl(DateTimeOffset now)
    {
        var builder = new CertificateRevocationListBuilder();
        return builder.Build(IssuingCa, new System.Numerics.BigInteger(now.ToUnixTimeSeconds()), now + CrlValidity, HashAlgorithmName.SHA256,
            thisUpdate: now.AddMinutes(-5));
    }

    public static DevelopmentPki Create(string organization = "GmoSign Development", DateTimeOffset? now = null)
    {
        var start = (now ?? DateTimeOffset.UtcNow).AddDays(-1);
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest($"CN={organization} Root CA, O={organization}, C=JP", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        var root = rootRequest.CreateSelfSigned(start, start.AddYears(20));
        // The root signs its one CRL now, valid as long as the root: its key is not kept after this.
        var rootCrl = new CertificateRevocationListBuilder().Build(root, System.Numerics.BigInteger.One, root.NotAfter, HashAlgorithmName.SHA256,
            thisUpdate: start);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={organization} Issuing CA, O={organization}, C=JP", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        caRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var caPublic = caRequest.Create(root, start, start.AddYears(10), Serial());
        var issuingCa = caPublic.CopyWithPrivateKey(caKey);

        var pki = new DevelopmentPki(root, issuingCa,
            Issue(issuingCa, root, PlatformSignerName(organization), DocumentSigningEku, start, 5),
            Issue(issuingCa, root, $"CN={organization} Time Stamping Authority, O={organization}, C=JP", TimeStampingEku, start, 5), rootCrl);
        return pki;
    }

    /// <summary>
    /// The PKI kept in <paramref name="directory"/> (PEM files, owner-only permissions), created there on first use.
    /// Hosts sharing the folder race safely: the first complete set written wins and everyone loads it.
    /// </summary>
    public static DevelopmentPki LoadOrCreate(string directory, string organization = "GmoSign Development")
    {
        var marker = Path.Combine(directory, "complete");
        if (!File.Exists(marker))
        {
            Directory.CreateDirectory(directory);
            var staging = Path.Combine(directory, $".staging-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            using (var created = Create(organization))
            {
                Write(staging, "root", created.Root, null);
                File.WriteAllBytes(Path.Combine(staging, "root.crl"), created.RootCrl!);
                Write(staging, "issuing-ca", created.IssuingCa, created.IssuingCa.GetECDsaPrivateKey());
                Write(staging, "document-signing", created.PlatformSigner.Certificate, created.PlatformSigner.Key);
                Write(staging, "timestamping", created.Timestamping.Certificate, created.Timestamping.Key);
            }
            try
            {
                // Directory.Move is atomic on one file system; the loser of a race discards its set.
                Directory.Move(staging, Path.Combine(directory, "current"));
                File.WriteAllText(marker, DateTimeOffset.UtcNow.ToString("O"));
            }
            catch (IOException)
            {
                Directory.Delete(staging, recursive: true);
                SpinWait.SpinUntil(() => File.Exists(marker), TimeSpan.FromSeconds(10));
            }
        }
        var folder = Path.Combine(directory, "current");
        var root = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(Path.Combine(folder, "root.crt")));
        var ca = Read(folder, "issuing-ca");
        var platform = Read(folder, "document-signing");
        if (!HasCurrentProfile(platform))
        {
            // A PKI made before signer certificates carried emailProtection: the issuing CA gives the platform a new
            // certificate with today's profile (documents signed before keep theirs).
            using var old = platform;
            using var renewed = Issue(ca, root, platform.SubjectName, DocumentSigningEku, DateTimeOffset.UtcNow.AddMinutes(-5), 5);
            Write(folder, "document-signing", renewed.Certificate, renewed.Key);
            platform = Read(folder, "document-signing");
        }
        var rootCrlPath = Path.Combine(folder, "root.crl");
        return new DevelopmentPki(root, ca,
            new SigningIdentity(platform, [X509CertificateLoader.LoadCertificate(ca.RawData), X509CertificateLoader.LoadCertificate(root.RawData)]),
            new SigningIdentity(Read(folder, "timestamping"), [X509CertificateLoader.LoadCertificate(ca.RawData), X509CertificateLoader.LoadCertificate(root.RawData)]),
            File.Exists(rootCrlPath) ? File.ReadAllBytes(rootCrlPath) : null);
    }

    private static string PlatformSignerName(string organization) => $"CN={organization} Document Signing, O={organization}, C=JP";

    /// <summary>Whether a signer certificate has the profile viewers trust: emailProtection beside documentSigning.</summary>
    public static bool HasCurrentProfile(X509Certificate2 signer) =>
        signer.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == EmailProtectionEku));

    private static void Write(string folder, string name, X509Certificate2 certificate, ECDsa? key)
    {
        File.WriteAllBytes(Path.Combine(folder, $"{name}.crt"), certificate.RawData);
        if (key is not null)
        {
            var path = Path.Combine(folder, $"{name}.key");
            File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    private static X509Certificate2 Read(string folder, string name)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(Path.Combine(folder, $"{name}.crt")));
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(folder, $"{name}.key")));
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>A certificate for a person (certificate-type signing, 当事者型), valid for <paramref name="years"/>.</summary>
    public SigningIdentity IssueSigner(string commonName, string email, int years = 1)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("JP");
        name.AddEmailAddress(email);
        name.AddCommonName(commonName);
        return Issue(IssuingCa, Root, name.Build(), DocumentSigningEku, DateTimeOffset.UtcNow.AddMinutes(-5), years);
    }

    private static SigningIdentity Issue(X509Certificate2 issuer, X509Certificate2 root, string subject, string eku, DateTimeOffset start, int years) =>
        Issue(issuer, root, new X500DistinguishedName(subject), eku, start, years);

    private static SigningIdentity Issue(X509Certificate2 issuer, X509Certificate2 root, X500DistinguishedName subject, string eku, DateTimeOffset start, int years)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        // RFC 3161: a TSA certificate carries exactly id-kp-timeStamping, marked critical. A signer's carries
        // documentSigning and, for NSS and Acrobat, which approve signers by it, emailProtection.
        request.CertificateExtensions.Add(eku == TimeStampingEku
            ? new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(eku) }, true)
            : new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(DocumentSigningEku), new Oid(EmailProtectionEku) }, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var notAfter = start.AddYears(years) < issuer.NotAfter ? start.AddYears(years) : new DateTimeOffset(issuer.NotAfter);
        using var certificate = request.Create(issuer, start, notAfter, Serial());
        return new SigningIdentity(certificate.CopyWithPrivateKey(key), [X509CertificateLoader.LoadCertificate(issuer.RawData), X509CertificateLoader.LoadCertificate(root.RawData)]);
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        return serial;
    }

    public void Dispose()
    {
        PlatformSigner.Dispose();
        Timestamping.Dispose();
        IssuingCa.Dispose();
        Root.Dispose();
    }
}
