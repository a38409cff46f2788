using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GmoSign.Platform.Validation;
using GmoSign.Grains.Ports;
using GmoSign.Signing.Pdf;
using Microsoft.Extensions.Options;
using UglyToad.PdfPig;

namespace GmoSign.Signing;

/// <summary>
/// Configuration section <c>GmoSign:Signing</c>: where signing keys come from (docs/architecture.md, decision 8). <c>Development</c>
/// runs the platform's own CA and TSA from keys kept in <see cref="PkiDirectory"/>; <c>External</c> signs with a
/// configured certificate (PKCS#12, ECDSA) and timestamps at an external RFC 3161 TSA.
/// </summary>
public sealed class SigningKeysOptions
{
    public const string Section = "GmoSign:Signing";

    public string Mode { get; set; } = "Development";

    /// <summary>Development: folder of the root CA, issuing CA, platform signer and TSA keys; created on first start.</summary>
    public string PkiDirectory { get; set; } = ".data/pki";

    /// <summary>External: the platform's document-signing certificate with its ECDSA key and chain (PKCS#12).</summary>
    public string? SigningCertificatePath { get; set; }
    public string? SigningCertificatePassword { get; set; }

    /// <summary>External: the TSA's URL (RFC 3161 over HTTP).</summary>
    public string? TimestampUrl { get; set; }

    /// <summary>External: PEM file of the root certificates VerifyDocument trusts.</summary>
    public string? TrustAnchorsPath { get; set; }

    /// <summary>
    /// The TrueType font embedded (as a subset) in stamps, field values and certificates. Empty: IPA P Gothic where
    /// Debian's <c>fonts-ipafont-gothic</c> installs it; without it the readers' own Japanese font is named instead.
    /// </summary>
    public string? FontPath { get; set; }
}

/// <summary>The signing keys are missing or unusable; the message names the setting.</summary>
public sealed class SigningKeysException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The platform's signatures (Art. 9): witness-type signatures with the platform's document-signing certificate,
/// certificate-type signatures with a certificate the issuing CA gives the signer, RFC 3161 timestamps from the
/// platform TSA. In development all of it comes from <see cref="DevelopmentPki"/> kept under the data folder; in
/// production (<c>Mode = External</c>) from a configured certificate and an external TSA.
/// </summary>
internal sealed class PdfSignatures : IPdfSignatures, IDisposable
{
    private readonly DevelopmentPki? _pki;
    private readonly SigningIdentity _platformSigner;
    private readonly PdfSigner _signer;
    private readonly HttpClient? _tsaClient;
    private readonly TimeProvider _clock;

    /// <summary>The issuing CA's CRL last signed, reused for an hour of its seven days (completions need not each sign one).</summary>
    private volatile SignedCrl? _crl;

    private sealed record SignedCrl(DateTimeOffset At, byte[] Bytes);
    private readonly ConcurrentDictionary<string, Lazy<SigningIdentity>> _personal = new(StringComparer.OrdinalIgnoreCase);

    public PdfSignatures(IOptions<SigningKeysOptions> options, TimeProvider clock)
    {
        _clock = clock;
        var o = options.Value;
        Font = EmbeddedFont.Find(o.FontPath);
        const string prefix = SigningKeysOptions.Section;
        if (string.Equals(o.Mode, "Development", StringComparison.OrdinalIgnoreCase))
        {
            _pki = DevelopmentPki.LoadOrCreate(Path.GetFullPath(o.PkiDirectory));
            DevelopmentAuthority = new LocalTimestampAuthority(_pki.Timestamping, clock);
            _platformSigner = _pki.PlatformSigner;
            TrustAnchors = [_pki.Root];
            _signer = new PdfSigner(DevelopmentAuthority, clock, Font);
            return;
        }
        if (!string.Equals(o.Mode, "External", StringComparison.OrdinalIgnoreCase))
        {
            throw new SigningKeysException($"{prefix}:Mode must be Development or External, not '{o.Mode}'.");
        }
        if (string.IsNullOrEmpty(o.SigningCertificatePath) || !File.Exists(o.SigningCertificatePath))
        {
            throw new SigningKeysException($"{prefix}:SigningCertificatePath must name a PKCS#12 file (Mode External).");
        }
        if (!Uri.TryCreate(o.TimestampUrl, UriKind.Absolute, out var tsaUrl))
        {
            throw new SigningKeysException($"{prefix}:TimestampUrl must be the URL of an RFC 3161 timestamp authority (Mode External).");
        }
        if (string.IsNullOrEmpty(o.TrustAnchorsPath) || !File.Exists(o.TrustAnchorsPath))
        {
            throw new SigningKeysException($"{prefix}:TrustAnchorsPath must name a PEM file of trusted roots (Mode External).");
        }
        try
        {
            var bundle = X509CertificateLoader.LoadPkcs12CollectionFromFile(o.SigningCertificatePath, o.SigningCertificatePassword);
            var leaf = bundle.Single(c => c.HasPrivateKey);
            _platformSigner = new SigningIdentity(leaf, bundle.Where(c => !c.HasPrivateKey).ToList());
        }
        catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or ArgumentException)
        {
            throw new SigningKeysException(
                $"{prefix}:SigningCertificatePath could not be used: one ECDSA certificate with its key and chain is expected ({ex.Message}).", ex);
        }
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPemFile(o.TrustAnchorsPath);
        TrustAnchors = anchors;
        _tsaClient = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        _signer = new PdfSigner(new HttpTimestampAuthority(_tsaClient, tsaUrl), clock, Font);
    }

    /// <summary>The development TSA (null with external keys), also served over HTTP at <c>/tsa</c>.</summary>
    public LocalTimestampAuthority? DevelopmentAuthority { get; }

    /// <summary>The development PKI (null with external keys).</summary>
    public DevelopmentPki? Pki => _pki;

    /// <summary>Roots VerifyDocument trusts.</summary>
    public X509Certificate2Collection TrustAnchors { get; }

    /// <summary>Certificate-type signing needs a CA that issues certificates to people: the development CA here.</summary>
    public bool SupportsCertificateType => _pki is not null;

    /// <summary>The font stamps, field values and certificates are drawn in (null when it is not installed).</summary>
    public EmbeddedFont? Font { get; }

    public IReadOnlyList<PageSize> Pages(ReadOnlyMemory<byte> pdf)
    {
        using var document = PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = true });
        return Enumerable.Range(1, document.NumberOfPages)
            .Select(n => document.GetPage(n).MediaBox.Bounds)
            .Select(b => new PageSize(b.Width, b.Height))
            .ToList();
    }

    public PdfCheck Check(ReadOnlyMemory<byte> pdf)
    {
        var span = pdf.Span;
        if (span.Length < 8 || span[..Math.Min(1024, span.Length)].IndexOf("%PDF-"u8) < 0)
        {
            return PdfCheck.NotPdf;
        }
        try
        {
            using var document = PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = false });
            if (document.IsEncrypted)
            {
                return PdfCheck.Encrypted;
            }
            return document.NumberOfPages > 0 ? PdfCheck.Valid : PdfCheck.Corrupt;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return span.IndexOf("/Encrypt"u8) >= 0 ? PdfCheck.Encrypted : PdfCheck.Corrupt;
        }
    }

    public Task<byte[]> SignAsync(ReadOnlyMemory<byte> pdf, SignatureRequest request, CancellationToken cancellationToken)
    {
        var identity = request.CertificateType
            ? _personal.GetOrAdd(request.SignerEmail, email => new Lazy<SigningIdentity>(() =>
                (_pki ?? throw new InvalidOperationException("No certificate authority issues signer certificates.")).IssueSigner(request.SignerName, email))).Value
            : _platformSigner;
        return _signer.SignAsync(pdf, identity, request.FieldName, request.DisplayName ?? request.SignerName, request.Reason, request.Location, cancellationToken,
            request.Appearance, request.AppearanceSlot, Placement(request.StampPlacement),
            request.Fields.Select(f => new PdfMark(f.Name, Placement(f.Placement)!, f.Text, f.Checked)).ToList());
    }

    /// <summary>
    /// The archive timestamp (PAdES B-LTA): first the validation data — every certificate the signatures carry, the
    /// timestamp authority's chain and, where this installation's CA publishes them, the CRLs (B-LT) — then a document
    /// timestamp over all of it, so the signatures stay verifiable after their certificates expire.
    /// </summary>
    public Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken)
    {
        var certificates = PdfSignatureVerifier.EmbeddedCertificates(pdf.ToArray());
        var crls = new List<byte[]>();
        if (_pki is not null)
        {
            certificates.AddRange([_pki.Timestamping.Certificate.RawData, _pki.IssuingCa.RawData, _pki.Root.RawData]);
            crls.Add(CurrentCrl()!);
            if (_pki.RootCrl is { } rootCrl)
            {
                crls.Add(rootCrl);
            }
        }
        return _signer.AddDocumentTimestampAsync(PdfIncrementalWriter.AddValidationData(pdf, certificates, crls), fieldName, cancellationToken);
    }

    /// <summary>The issuing CA's current CRL (null with external keys), as archived documents and <c>/pki/issuing-ca.crl</c> carry it.</summary>
    public byte[]? CurrentCrl()
    {
        if (_pki is null)
        {
            return null;
        }
        var now = _clock.GetUtcNow();
        if (_crl is { } current && now - current.At < TimeSpan.FromHours(1) && now >= current.At)
        {
            return current.Bytes;
        }
        var signed = new SignedCrl(now, _pki.IssuingCaCrl(now));
        _crl = signed;
        return signed.Bytes;
    }

    public Task<byte[]> CertificateOfCompletionAsync(CompletionCertificate certificate, CancellationToken cancellationToken)
    {
        var lines = new List<ReportLine>
        {
            new("封筒ID / Envelope ID", certificate.EnvelopeId.ToString()),
            new("件名 / Title", certificate.Title),
            new("締結日時 / Completed", certificate.CompletedAt.ToOffset(JapanTime.Offset).ToString("yyyy-MM-dd HH:mm:ss 'JST'")),
            new("文書 / Documents", Heading: true),
        };
        lines.AddRange(certificate.Documents.Select(d => new ReportLine(d.Label, d.Value)));
        lines.Add(new ReportLine("署名者 / Signers", Heading: true));
        lines.AddRange(certificate.Signers.Select(d => new ReportLine(d.Label, d.Value)));
        if (certificate.Fields.Count > 0)
        {
            lines.Add(new ReportLine("入力項目 / Field values", Heading: true));
            lines.AddRange(certificate.Fields.Select(d => new ReportLine(d.Label, d.Value)));
        }
        lines.Add(new ReportLine("履歴 / Events", Heading: true));
        lines.AddRange(certificate.Events.Select(d => new ReportLine(d.Label, d.Value)));
        var rendered = TextReportPdf.Render("締結証明書 / Certificate of Completion", lines, Font);
        return _signer.SignAsync(rendered, _platformSigner, "PlatformSeal", "GmoSign", "Certificate of completion / 締結証明書", null, cancellationToken);
    }

    private static PdfPlacement? Placement(PagePlacement? p) => p is null ? null : new PdfPlacement(p.Page, p.X, p.Y, p.Width, p.Height);

    public void Dispose()
    {
        Font?.Dispose();
        foreach (var identity in _personal.Values.Where(v => v.IsValueCreated))
        {
            identity.Value.Dispose();
        }
        if (_pki is not null)
        {
            _pki.Dispose();
        }
        else
        {
            _platformSigner.Dispose();
        }
        _tsaClient?.Dispose();
    }
}
