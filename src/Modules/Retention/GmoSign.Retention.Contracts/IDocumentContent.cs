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
    /// Content written before <paramref name="writtenBefore"/> that Retention itself does not reference (no retained
    /// document, no envelope record's certificate, audit trail or document): either still in use by its writer (an
    /// envelope in progress) or left behind by a call that died before its commit. The writer decides which.
    /// </summary>
    Task<IReadOnlyList<(Guid TenantId, Guid ContentId)>> LooseContentAsync(DateTimeOffset writtenBefore, int limit, CancellationToken cancellationToken);
}

/// <summary>Purpose-bound keys derived from the master key (e.g. the MAC key of signing links).</summary>
public interface IKeyDerivation
{
    /// <summary>32 bytes, the same on every host for the same master key and purpose.</summary>
    byte[] DeriveKey(string purpose);
}
