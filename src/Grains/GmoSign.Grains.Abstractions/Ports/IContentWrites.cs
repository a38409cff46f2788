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
    Task<DeferredWrite?> PrepareAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken);
}
