namespace GmoSign.Grains.Ports;

/// <summary>One signed document of a completed envelope; its content is already stored (see <see cref="IDocumentContent"/>).</summary>
public sealed record ArchivedDocument(Guid DocumentId, Guid ContentId, string FileName, long SizeBytes, byte[] Sha256);

/// <summary>Search metadata a completed envelope carries into Retention (電子帳簿保存法).</summary>
public sealed record ArchiveMetadata(
    string Title,
    string DocumentType,
    DateOnly TransactionDate,
    long Amount,
    string Currency,
    string Counterparty,
    IReadOnlyList<string> Parties,
    IReadOnlyList<string> Tags);

/// <summary>
/// A completed envelope handed to Retention: its signed documents become searchable retained documents; the
/// certificate of completion (PDF) and the audit trail (JSON) are kept with them and exported with them.
/// </summary>
public sealed record ArchivedEnvelope(
    Guid TenantId,
    Guid EnvelopeId,
    string Status,
    DateTimeOffset CompletedAt,
    ArchiveMetadata Metadata,
    IReadOnlyList<ArchivedDocument> Documents,
    Guid CertificateContentId,
    Guid AuditTrailContentId,
    string StoredBy);

/// <summary>Receives completed envelopes (called by the envelope grain). Idempotent per envelope.</summary>
public interface IEnvelopeArchive
{
    Task ArchiveAsync(ArchivedEnvelope envelope, CancellationToken cancellationToken);
}
