namespace GmoSign.Grains.Ports;

/// <summary>
/// Content an envelope change references (a signed revision, the certificate of completion, the audit trail), sealed
/// under the tenant's key and written in the change's own database round trip and transaction (implemented by
/// Retention, which owns the content store).
/// </summary>
public interface IContentWrites
{
    /// <summary>
    /// Seals the content and returns its write for the change's transaction; a blob store outside PostgreSQL stores the
    /// bytes at once and returns null (an unstored change then leaves them to the content sweep).
    /// </summary>
    /// <param name="extends">
    /// stored content the plaintext begins with (a PDF revision begins with every byte of the one before it): the store
    /// may keep only what follows and read the rest from there. Null: the plaintext stands alone.
    /// </param>
    Task<DeferredWrite?> PrepareAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, ContentBase? extends,
        CancellationToken cancellationToken);
}

/// <summary>Stored content (<paramref name="ContentId"/>) whose <paramref name="Length"/> bytes another content begins with.</summary>
public sealed record ContentBase(Guid ContentId, int Length);
