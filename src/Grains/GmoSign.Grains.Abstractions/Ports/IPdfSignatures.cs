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
}

/// <summary>A line of the certificate of completion.</summary>
public sealed record CertificateLine(string Label, string Value);

/// <summary>Data for the certificate of completion (締結証明書).</summary>
public sealed record CompletionCertificate(
    Guid EnvelopeId,
    string Title,
    DateTimeOffset CompletedAt,
    IReadOnlyList<CertificateLine> Documents,
    IReadOnlyList<CertificateLine> Signers,
    IReadOnlyList<CertificateLine> Events);

/// <summary>The platform's PDF signing service (keys, CA and TSA behind it — docs/architecture.md, decision 8).</summary>
public interface IPdfSignatures
{
    PdfCheck Check(ReadOnlyMemory<byte> pdf);

    /// <summary>Whether a certificate authority issues certificates to signers (certificate-type signing, 当事者型).</summary>
    bool SupportsCertificateType { get; }

    /// <summary>Adds one PAdES B-T signature as an incremental revision.</summary>
    Task<byte[]> SignAsync(ReadOnlyMemory<byte> pdf, SignatureRequest request, CancellationToken cancellationToken);

    /// <summary>Adds a document timestamp revision (PAdES B-LTA style archive timestamp).</summary>
    Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken);

    /// <summary>Renders the certificate of completion and seals it with the platform's signature.</summary>
    Task<byte[]> CertificateOfCompletionAsync(CompletionCertificate certificate, CancellationToken cancellationToken);
}
