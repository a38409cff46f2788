namespace GmoSign.Retention.Contracts;

/// <summary>
/// Encrypted storage for document content that is not (yet) a retained document: an envelope's uploads and signed
/// revisions. Sealed with the tenant's data key (Art. 4-5) and kept in the same blob store, so tenant deletion
/// shreds it too. Content ids are chosen by the caller and never reused.
/// </summary>
public interface IDocumentContent
{
    Task PutAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken);

    /// <summary>The plaintext, or null when there is no such content for this tenant.</summary>
    Task<byte[]?> GetAsync(Guid tenantId, Guid contentId, CancellationToken cancellationToken);

    Task DeleteAsync(Guid tenantId, Guid contentId, CancellationToken cancellationToken);

    /// <summary>
    /// Content written longer than <paramref name="olderThan"/> ago (by the database's clock) that Retention itself
    /// does not reference (no retained document, no envelope record's certificate, audit trail or document): either
    /// still in use by its writer (an envelope) or left behind by a call that died before its commit — the writer
    /// decides which. Pages in write order: pass the last item of a page as <paramref name="after"/> for the next.
    /// </summary>
    Task<IReadOnlyList<LooseContent>> LooseContentAsync(TimeSpan olderThan, LooseContent? after, int limit, CancellationToken cancellationToken);
}

/// <summary>One piece of content not referenced by Retention, with its write time (the paging cursor).</summary>
public sealed record LooseContent(Guid TenantId, Guid ContentId, DateTimeOffset WrittenAt);

/// <summary>Purpose-bound keys derived from the master key (e.g. the MAC key of signing links).</summary>
public interface IKeyDerivation
{
    /// <summary>32 bytes, the same on every host for the same master key and purpose.</summary>
    byte[] DeriveKey(string purpose);
}
