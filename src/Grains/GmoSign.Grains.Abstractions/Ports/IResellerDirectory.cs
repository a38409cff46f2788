namespace GmoSign.Grains.Ports;

/// <summary>A reseller row as the directory (queryable projection) keeps it.</summary>
public sealed record ResellerEntry(Guid ResellerId, string Name, string ContactEmail, int Status, DateTimeOffset CreatedAt, byte[] ApiKeyHash, Guid RegisteredBy);

/// <summary>
/// The queryable side of resellers (credential look-up, lists). The reseller grain writes it before it
/// acknowledges a change; writes are idempotent so a retried grain call converges.
/// </summary>
public interface IResellerDirectory
{
    Task UpsertAsync(ResellerEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the reseller's status (1 active, 2 suspended) with the reason its keys are refused for, and adds the change
    /// to the reseller's history, in one statement; a repeat of the same change adds nothing.
    /// </summary>
    Task SetStatusAsync(Guid resellerId, int status, string? reason, Guid by, DateTimeOffset at, CancellationToken cancellationToken);
}
