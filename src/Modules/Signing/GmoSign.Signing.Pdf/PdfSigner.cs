namespace GmoSign.Signing.Pdf;

/// <summary>
/// Signs PDFs (PAdES B-T: CAdES detached CMS with an RFC 3161 timestamp) and adds document timestamps (B-LTA style),
/// each as an incremental revision so that every earlier signature stays valid. Stamps and field values are drawn in
/// <paramref name="font"/>, embedded as a subset (none: the readers' own Japanese font).
/// </summary>
public sealed class PdfSigner(ITimestampAuthority timestamps, TimeProvider clock, EmbeddedFont? font = null)
{
    /// <summary>Room for the CMS: three P-256 certificates and a timestamp token with its chain fit well inside.</summary>
    public const int SignatureCapacity = 16 * 1024;

    /// <summary>Room for a document timestamp token with its certificate chain.</summary>
    public const int TimestampCapacity = 8 * 1024;

    public async Task<byte[]> SignAsync(ReadOnlyMemory<byte> pdf, SigningIdentity signer, string fieldName, string? signerName, string? reason,
        string? location, CancellationToken cancellationToken, IReadOnlyList<string>? appearance = null, int appearanceSlot = 0,
        PdfPlacement? stampPlacement = null, IReadOnlyList<PdfMark>? marks = null)
    {
        var info = new PdfSignatureInfo(fieldName, clock.GetUtcNow(), signerName, reason, location)
        {
            Appearance = appearance,
            AppearanceSlot = appearanceSlot,
            StampPlacement = stampPlacement,
            Marks = marks ?? [],
            Font = font,
        };
        var prepared = PdfIncrementalWriter.Prepare(pdf, info, SignatureCapacity);
        var cms = await CadesSignature.CreateAsync(prepared.Digest(), signer, timestamps, cancellationToken);
        return prepared.Complete(cms);
    }

    public async Task<byte[]> AddDocumentTimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken)
    {
        var prepared = PdfIncrementalWriter.Prepare(pdf, new PdfSignatureInfo(fieldName, clock.GetUtcNow(), DocumentTimestamp: true), TimestampCapacity);
        var token = await timestamps.TimestampAsync(prepared.Digest(), cancellationToken);
        return prepared.Complete(token);
    }
}
