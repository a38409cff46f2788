namespace GmoSign.Grains.Ports;

/// <summary>What an uploaded file turned out to be.</summary>
public enum PdfCheck
{
    Valid,
    NotPdf,
    Corrupt,
    Encrypted,
}

/// <summary>One signature to add: who signs, how, and the words the PDF carries (Art. 8 names delegate and principal).</summary>
public sealed record SignatureRequest(
    string FieldName,
    string SignerName,
    string SignerEmail,
    bool CertificateType,
    string Reason,
    string? Location)
{
    /// <summary>Name written into the signature dictionary (/Name); the signer's, or "delegate for principal".</summary>
    public string? DisplayName { get; init; }

    /// <summary>Lines of the visible stamp on the first page; none for an invisible signature.</summary>
    public IReadOnlyList<string>? Appearance { get; init; }

    /// <summary>Position of the stamp (the signer's number, from 0), so that stamps do not overlap.</summary>
    public int AppearanceSlot { get; init; }

    /// <summary>Where the sender placed this signer's stamp on the document (a signature field), instead of the slot.</summary>
    public PagePlacement? StampPlacement { get; init; }

    /// <summary>The signer's field values on the document, drawn in the same revision before the signature.</summary>
    public IReadOnlyList<FieldDrawing> Fields { get; init; } = [];
}

/// <summary>A rectangle on a page: 1-based page (0: every page), in points from the lower-left corner of the page's MediaBox.</summary>
public sealed record PagePlacement(int Page, double X, double Y, double Width, double Height);

/// <summary>A field value as drawn: text on one line, or a checkbox when <see cref="Checked"/> is set.</summary>
public sealed record FieldDrawing(string Name, PagePlacement Placement, string? Text, bool? Checked = null);

/// <summary>A page's size in points (its MediaBox).</summary>
public sealed record PageSize(double Width, double Height);

/// <summary>A line of the certificate of completion.</summary>
public sealed record CertificateLine(string Label, string Value);

/// <summary>Data for the certificate of completion (締結証明書).</summary>
public sealed record CompletionCertificate(
    Guid EnvelopeId,
    string Title,
    DateTimeOffset CompletedAt,
    IReadOnlyList<CertificateLine> Documents,
    IReadOnlyList<CertificateLine> Signers,
    IReadOnlyList<CertificateLine> Events)
{
    /// <summary>The values signers filled in (入力項目), with who filled them and when.</summary>
    public IReadOnlyList<CertificateLine> Fields { get; init; } = [];
}

/// <summary>The platform's PDF signing service (keys, CA and TSA behind it — docs/architecture.md, decision 8).</summary>
public interface IPdfSignatures
{
    PdfCheck Check(ReadOnlyMemory<byte> pdf);

    /// <summary>The size of each page, in order (fields are placed on them).</summary>
    IReadOnlyList<PageSize> Pages(ReadOnlyMemory<byte> pdf);

    /// <summary>Whether a certificate authority issues certificates to signers (certificate-type signing, 当事者型).</summary>
    bool SupportsCertificateType { get; }

    /// <summary>Adds one PAdES B-T signature as an incremental revision.</summary>
    Task<byte[]> SignAsync(ReadOnlyMemory<byte> pdf, SignatureRequest request, CancellationToken cancellationToken);

    /// <summary>Adds a document timestamp revision (PAdES B-LTA style archive timestamp).</summary>
    Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken);

    /// <summary>Renders the certificate of completion and seals it with the platform's signature.</summary>
    Task<byte[]> CertificateOfCompletionAsync(CompletionCertificate certificate, CancellationToken cancellationToken);
}
