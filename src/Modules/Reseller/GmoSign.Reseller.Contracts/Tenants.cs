namespace GmoSign.Reseller.Contracts;

/// <summary>Option codes of the operator's catalogue (Art. 4-2) that the platform enforces.</summary>
public static class OptionCodes
{
    public const string ExtraSeats = "extra_seats";
    public const string CertificateSigning = "certificate_signing";
    public const string IpRestriction = "ip_restriction";
    public const string ApiAccess = "api_access";
    public const string BulkSend = "bulk_send";
}

public enum TenantLifecycleStatus
{
    Active = 1,
    Suspended = 2,
    Terminated = 3,
    Deleted = 4,
}

/// <summary>What other modules need to know about a tenant's contract to enforce it.</summary>
public sealed record TenantView(
    Guid TenantId,
    Guid ResellerId,
    TenantLifecycleStatus Status,
    string? StatusReason,
    int Seats,
    IReadOnlyDictionary<string, int> Options,
    DateTimeOffset? ExportUntil,
    string Name = "")
{
    /// <summary>Changes whenever a session of the tenant's users may have been revoked or changed (see <see cref="ITenantContracts.ForgetSessionsAsync"/>).</summary>
    public Guid SessionEpoch { get; init; }

    public bool Holds(string option) => Options.TryGetValue(option, out var quantity) && quantity > 0;

    /// <summary>Sending and signing need an active contract (a suspended tenant may read and export only).</summary>
    public bool CanTransact => Status == TenantLifecycleStatus.Active;

    /// <summary>Users may sign in and read while active, suspended, or terminated inside the export window.</summary>
    public bool CanSignIn(DateTimeOffset now) =>
        Status is TenantLifecycleStatus.Active or TenantLifecycleStatus.Suspended
        || (Status == TenantLifecycleStatus.Terminated && ExportUntil > now);

    /// <summary>Administration (users, keys, settings) needs a contract that has not ended.</summary>
    public bool CanAdminister => Status is TenantLifecycleStatus.Active or TenantLifecycleStatus.Suspended;
}

/// <summary>Reads tenants' contracts (served by the tenant grains).</summary>
public interface ITenantContracts
{
    Task<TenantView?> GetAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// For sending and signing (Signing module): throws FAILED_PRECONDITION (<c>TENANT_SUSPENDED</c> with the
    /// operator's reason, or <c>TENANT_TERMINATED</c>) unless the tenant's contract is active; NOT_FOUND if none.
    /// </summary>
    Task<TenantView> EnsureCanTransactAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// After a change to the tenant's sessions or users was stored (a logout, a disabled user, a confirmed second
    /// factor): gives the tenant a new <see cref="TenantView.SessionEpoch"/>, so that every host reads its sessions again.
    /// </summary>
    Task ForgetSessionsAsync(Guid tenantId, CancellationToken cancellationToken);
}

/// <summary>
/// Feeds the per-tenant monthly usage that resellers bill from (Art. 3). Months are calendar months in JST.
/// Signing records envelopes and signatures, Retention storage, Accounts active seats.
/// </summary>
/// <summary>Envelopes sent and signatures made at a time, applied once per key.</summary>
public sealed record KeyedUsage(string Key, Guid TenantId, DateTimeOffset At, long EnvelopesSent, long Signatures);

public interface IUsageRecorder
{
    Task AddAsync(Guid tenantId, DateTimeOffset at, long envelopesSent, long signatures, long storageBytesDelta, CancellationToken cancellationToken);

    /// <summary>
    /// Adds envelopes and signatures once per <see cref="KeyedUsage.Key"/>: an addition whose key was applied before
    /// adds nothing. For hand-overs that may be retried after a crash; one round trip for the whole batch.
    /// </summary>
    Task AddOnceAsync(IReadOnlyList<KeyedUsage> additions, CancellationToken cancellationToken);

    /// <summary>Keeps the month's highest number of active users.</summary>
    Task RecordActiveSeatsAsync(Guid tenantId, DateTimeOffset at, int activeSeats, CancellationToken cancellationToken);
}
