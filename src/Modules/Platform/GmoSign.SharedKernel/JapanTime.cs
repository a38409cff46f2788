namespace GmoSign;

/// <summary>
/// Japan Standard Time (UTC+9, no daylight saving) — the one definition. Contracts, transactions, billing months,
/// signature stamps, certificates and the times in mails are Japanese time; storage and the wire stay UTC.
/// </summary>
public static class JapanTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    /// <summary>The calendar day in Japan at <paramref name="at"/>.</summary>
    public static DateOnly Today(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(Offset).DateTime);

    /// <summary>The first day of the month in Japan at <paramref name="at"/>.</summary>
    public static DateOnly MonthOf(DateTimeOffset at)
    {
        var local = at.ToOffset(Offset);
        return new DateOnly(local.Year, local.Month, 1);
    }
}
