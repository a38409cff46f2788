using System.Collections.Concurrent;
using GmoSign.Signing.Contracts;
using GmoSign.Signing.Pdf;
using Microsoft.Extensions.Options;
using UglyToad.PdfPig;

namespace GmoSign.Signing;

/// <summary>Where the development PKI lives (configuration <c>GmoSign:Signing:PkiDirectory</c>).</summary>
public sealed class SigningKeysOptions
{
    public const string Section = "GmoSign:Signing";

    /// <summary>Folder of the development root CA, issuing CA, platform signer and TSA keys; created on first start.</summary>
    public string PkiDirectory { get; set; } = ".data/pki";
}

/// <summary>
/// The platform's signatures (Art. 9): witness-type signatures with the platform's document-signing certificate,
/// certificate-type signatures with a certificate the issuing CA gives the signer, RFC 3161 timestamps from the
/// platform TSA. In development all of it comes from <see cref="DevelopmentPki"/> kept under the data folder.
/// </summary>
internal sealed class PdfSignatures : IPdfSignatures, IDisposable
{
    private readonly DevelopmentPki _pki;
    private readonly PdfSigner _signer;
    private readonly ConcurrentDictionary<string, Lazy<SigningIdentity>> _personal = new(StringComparer.OrdinalIgnoreCase);

    public PdfSignatures(IOptions<SigningKeysOptions> options, TimeProvider clock)
    {
        _pki = DevelopmentPki.LoadOrCreate(Path.GetFullPath(options.Value.PkiDirectory));
        Authority = new LocalTimestampAuthority(_pki.Timestamping, clock);
        _signer = new PdfSigner(Authority, clock);
    }

    public LocalTimestampAuthority Authority { get; }

    public DevelopmentPki Pki => _pki;

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
            ? _personal.GetOrAdd(request.SignerEmail, email => new Lazy<SigningIdentity>(() => _pki.IssueSigner(request.SignerName, email))).Value
            : _pki.PlatformSigner;
        return _signer.SignAsync(pdf, identity, request.FieldName, request.DisplayName ?? request.SignerName, request.Reason, request.Location, cancellationToken,
            request.Appearance, request.AppearanceSlot);
    }

    public Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken) =>
        _signer.AddDocumentTimestampAsync(pdf, fieldName, cancellationToken);

    public Task<byte[]> CertificateOfCompletionAsync(CompletionCertificate certificate, CancellationToken cancellationToken)
    {
        var jst = TimeSpan.FromHours(9);
        var lines = new List<ReportLine>
        {
            new("封筒ID / Envelope ID", certificate.EnvelopeId.ToString()),
            new("件名 / Title", certificate.Title),
            new("締結日時 / Completed", certificate.CompletedAt.ToOffset(jst).ToString("yyyy-MM-dd HH:mm:ss 'JST'")),
            new("文書 / Documents", Heading: true),
        };
        lines.AddRange(certificate.Documents.Select(d => new ReportLine(d.Label, d.Value)));
        lines.Add(new ReportLine("署名者 / Signers", Heading: true));
        lines.AddRange(certificate.Signers.Select(d => new ReportLine(d.Label, d.Value)));
        lines.Add(new ReportLine("履歴 / Events", Heading: true));
        lines.AddRange(certificate.Events.Select(d => new ReportLine(d.Label, d.Value)));
        var rendered = TextReportPdf.Render("締結証明書 / Certificate of Completion", lines);
        return _signer.SignAsync(rendered, _pki.PlatformSigner, "PlatformSeal", "GmoSign", "Certificate of completion / 締結証明書", null, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var identity in _personal.Values.Where(v => v.IsValueCreated))
        {
            identity.Value.Dispose();
        }
        _pki.Dispose();
    }
}
