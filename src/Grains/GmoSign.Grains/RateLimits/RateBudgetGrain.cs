namespace GmoSign.Grains.RateLimits;

/// <summary>
/// One call budget for the whole cluster (<see cref="IRateBudgetGrain"/>). Nothing is stored: the count lives in this
/// activation, which is placed on the host of the first call (the budget's caller usually keeps calling there) and
/// collected once idle for <see cref="IdleLimit"/> — or, when a wait or a long window is still running, when that is
/// over, so that forgetting the activation forgets nothing that still counts.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
[CollectionAgeLimit(Minutes = IdleMinutes)]
internal sealed class RateBudgetGrain(TimeProvider clock) : Grain, IRateBudgetGrain
{
    private const int IdleMinutes = 2;

    internal static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(IdleMinutes);

    private readonly RateBudget _budget = new();

    public ValueTask<BudgetReading> TakeAsync(int limit, TimeSpan window)
    {
        var (now, windowMs) = Now(window);
        var reading = _budget.Take(limit, windowMs, now);
        KeepWhileItCounts(now, windowMs);
        return ValueTask.FromResult(reading);
    }

    public ValueTask<BudgetReading> PeekAsync(int limit, TimeSpan window)
    {
        var (now, windowMs) = Now(window);
        return ValueTask.FromResult(_budget.Peek(limit, windowMs, now));
    }

    public ValueTask RecordFailureAsync(int limit, TimeSpan window)
    {
        var (now, windowMs) = Now(window);
        _budget.RecordFailure(limit, windowMs, now);
        KeepWhileItCounts(now, windowMs);
        return ValueTask.CompletedTask;
    }

    private (long Now, long WindowMs) Now(TimeSpan window) => (clock.GetUtcNow().ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds);

    /// <summary>A wait or window that outlasts the idle limit keeps the activation (and so the count) until it is over.</summary>
    private void KeepWhileItCounts(long now, long windowMs)
    {
        var remaining = TimeSpan.FromMilliseconds(_budget.ForgettableAt(windowMs) - now);
        if (remaining > IdleLimit)
        {
            DelayDeactivation(remaining);
        }
    }
}
