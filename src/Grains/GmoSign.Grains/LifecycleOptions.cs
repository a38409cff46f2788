namespace GmoSign.Grains;

/// <summary>Configuration section <c>GmoSign:Lifecycle</c>: the clockwork of tenant contracts.</summary>
public sealed class LifecycleOptions
{
    public const string Section = "GmoSign:Lifecycle";

    /// <summary>How often each tenant's durable reminder looks at its term (renewal, scheduled termination).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Read-only export window after a contract ends, before the data is deleted (Art. 21).</summary>
    public TimeSpan ExportWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// For tests and demonstrations only: when set, a contract "month" lasts this long instead of a calendar month,
    /// so that renewal can be watched in seconds. Never set in production.
    /// </summary>
    public TimeSpan? MonthLengthOverride { get; set; }
}
