namespace GmoSign.Grains;

public enum CustomerKind
{
    Organization = 1,
    Consumer = 2,
}

public enum TenantStatus
{
    Active = 1,
    Suspended = 2,
    Terminated = 3,
    Deleted = 4,
}

public enum TerminationKind
{
    TermExpired = 1,
    ResellerNotice = 2,
    ForCause = 3,
    AntiSocialForce = 4,
}

/// <summary>The customer's registered data (登録事項).</summary>
[GenerateSerializer, Immutable]
public sealed record CustomerProfile(
    [property: Id(0)] string Name,
    [property: Id(1)] CustomerKind Kind,
    [property: Id(2)] string? CorporateNumber,
    [property: Id(3)] string? RepresentativeName,
    [property: Id(4)] string ContactEmail,
    [property: Id(5)] string Address,
    [property: Id(6)] string? Phone);

/// <summary>Everything needed to open a contract: from the approved application.</summary>
[GenerateSerializer, Immutable]
public sealed record CreateTenant(
    [property: Id(0)] Guid ResellerId,
    [property: Id(1)] CustomerProfile Customer,
    [property: Id(2)] string Plan,
    [property: Id(3)] int PlanSeats,
    [property: Id(4)] int TermMonths,
    [property: Id(5)] IReadOnlyDictionary<string, int> Options,
    [property: Id(6)] string AcceptedTermsVersion);

/// <summary>A tenant's contract as others see it.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantSnapshot(
    [property: Id(0)] Guid TenantId,
    [property: Id(1)] Guid ResellerId,
    [property: Id(2)] CustomerProfile Customer,
    [property: Id(3)] string Plan,
    [property: Id(4)] int PlanSeats,
    [property: Id(5)] IReadOnlyDictionary<string, int> Options,
    [property: Id(6)] TenantStatus Status,
    [property: Id(7)] string? StatusReason,
    [property: Id(8)] DateTimeOffset TermStart,
    [property: Id(9)] DateTimeOffset TermEnd,
    [property: Id(10)] int TermMonths,
    [property: Id(11)] bool NonRenewal,
    [property: Id(12)] int Renewals,
    [property: Id(13)] TerminationKind? TerminationKind,
    [property: Id(14)] DateTimeOffset? TerminatedAt,
    [property: Id(15)] DateTimeOffset? ExportUntil,
    [property: Id(16)] DateTimeOffset? ScheduledTerminationAt,
    [property: Id(17)] string AcceptedTermsVersion,
    [property: Id(18)] DateTimeOffset CreatedAt,
    [property: Id(19)] long Version)
{
    /// <summary>
    /// Changes whenever a session of the tenant's users may have been revoked or changed, and with every activation of
    /// the tenant grain: hosts keep a session they read only while it is the same.
    /// </summary>
    [Id(20)] public Guid SessionEpoch { get; init; }

    /// <summary>The plan's seats plus the extra-seats option.</summary>
    public int Seats => PlanSeats + (Options.TryGetValue("extra_seats", out var extra) ? extra : 0);
}

/// <summary>
/// One customer's contract with the platform (terms Art. 2, 4-2, 12-2, 19, 20, 22); key = tenant id.
/// All lifecycle changes of a tenant are serialized here; a durable reminder drives renewal and scheduled ends.
/// </summary>
public interface ITenantGrain : IGrainWithGuidKey
{
    /// <summary>Opens the contract once; a repeated call returns the existing tenant.</summary>
    Task<TenantSnapshot> CreateAsync(CreateTenant command);

    /// <summary>The tenant (brought up to date with the clock), or null when none exists.</summary>
    Task<TenantSnapshot?> GetAsync();

    /// <summary>Sets an option's quantity; 0 removes it.</summary>
    Task<TenantSnapshot> SetOptionAsync(string code, int quantity);

    /// <summary>Records or withdraws notice of non-renewal for the current term.</summary>
    Task<TenantSnapshot> SetNonRenewalAsync(bool nonRenewal);

    /// <summary>Reseller notice (Art. 20-1): ends the contract at <paramref name="effectiveAt"/> (now if past).</summary>
    Task<TenantSnapshot> TerminateByNoticeAsync(DateTimeOffset effectiveAt, string notice);

    /// <summary>Operator, for cause (Art. 20-2, 22-3): ends the contract now.</summary>
    Task<TenantSnapshot> TerminateForCauseAsync(TerminationKind kind, string reason);

    Task<TenantSnapshot> SuspendAsync(string reason);

    Task<TenantSnapshot> ResumeAsync();

    /// <summary>Puts confirmed registered data in force (Art. 13, 14).</summary>
    Task<TenantSnapshot> ApplyProfileChangeAsync(CustomerProfile customer);

    /// <summary>Records consent to a terms version; the version with the latest effective date is kept.</summary>
    Task<TenantSnapshot> RecordTermsConsentAsync(string version, DateTimeOffset effectiveAt);

    /// <summary>A new <see cref="TenantSnapshot.SessionEpoch"/>: called after a session or user change was stored.</summary>
    Task ForgetSessionsAsync();
}
