namespace GmoSign.Signing;

/// <summary>Exponential backoff for deliveries (notifications, webhooks): first, 2×, 4×, … up to a ceiling.</summary>
internal static class Backoff
{
    /// <summary>The wait after the <paramref name="attempt"/>-th failed attempt (1-based).</summary>
    public static TimeSpan After(int attempt, TimeSpan first, TimeSpan ceiling) =>
        TimeSpan.FromTicks(Math.Min(ceiling.Ticks, first.Ticks * (1L << Math.Clamp(attempt - 1, 0, 30))));
}
