namespace GmoSign.Grains.Ports;

/// <summary>A delegation in force: the delegate may sign for the principal (Art. 8).</summary>
public sealed record DelegationGrant(Guid DelegationId, Guid TenantId, Guid PrincipalUserId, Guid DelegateUserId, string? Tag, DateTimeOffset ValidUntil);

/// <summary>Used by Signing when a user signs on someone else's behalf.</summary>
public interface IDelegationLookup
{
    /// <summary>
    /// The delegation that lets <paramref name="delegateUserId"/> sign for <paramref name="principalUserId"/> at
    /// <paramref name="at"/> an envelope with the given tags, or null.
    /// </summary>
    Task<DelegationGrant?> FindAsync(Guid tenantId, Guid delegateUserId, Guid principalUserId, IReadOnlyCollection<string> envelopeTags,
        DateTimeOffset at, CancellationToken cancellationToken);
}
