namespace GmoSign.Grains.Tenants;

[GenerateSerializer]
internal sealed class TenantState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public Guid ResellerId { get; set; }
    [Id(2)] public CustomerProfile Customer { get; set; } = null!;
    [Id(3)] public string Plan { get; set; } = "";
    [Id(4)] public int PlanSeats { get; set; }
    [Id(5)] public Dictionary<string, int> Options { get; set; } = new(StringComparer.Ordinal);
    [Id(6)] public TenantStatus Status { get; set; }
    [Id(7)] public string? StatusReason { get; set; }
    [Id(8)] public DateTimeOffset TermStart { get; set; }
    [Id(9)] public DateTimeOffset TermEnd { get; set; }
    [Id(10)] public int TermMonths { get; set; }
    [Id(11)] public bool NonRenewal { get; set; }
    [Id(12)] public int Renewals { get; set; }
    [Id(13)] public TerminationKind? TerminationKind { get; set; }
    [Id(14)] public DateTimeOffset? TerminatedAt { get; set; }
    [Id(15)] public DateTimeOffset? ExportUntil { get; set; }
    [Id(16)] public DateTimeOffset? ScheduledTerminationAt { get; set; }
    [Id(17)] public string? ScheduledTerminationNotice { get; set; }
    [Id(18)] public string AcceptedTermsVersion { get; set; } = "";
    [Id(19)] public DateTimeOffset CreatedAt { get; set; }
    [Id(20)] public long Version { get; set; }
    /// <summary>Start of every term after the first, in order: the renewal history.</summary>
    [Id(21)] public List<DateTimeOffset> RenewedAt { get; set; } = [];
    [Id(22)] public DateTimeOffset? AcceptedTermsEffectiveAt { get; set; }
}
