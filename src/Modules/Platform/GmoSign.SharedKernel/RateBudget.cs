namespace GmoSign;

/// <summary>
/// What one look at a call budget found: the calls counted in its window, when the window closes, and when a refused
/// caller may try again. Times are Unix milliseconds of the clock that keeps the budget.
/// </summary>
/// <param name="Count">Calls counted in the current window (for a failures-only budget under a wait: its limit).</param>
/// <param name="ResetAt">When the current window (or the wait) ends.</param>
/// <param name="RetryAt">0 when the call is admitted; otherwise when the caller may try again.</param>
[GenerateSerializer, Immutable]
public readonly record struct BudgetReading(
    [property: Id(0)] int Count,
    [property: Id(1)] long ResetAt,
    [property: Id(2)] long RetryAt)
{
    public bool Admitted => RetryAt == 0;
}

/// <summary>
/// The counting rules of one call budget (terms Art. 12-1 (6)), without locks or I/O: a window opens with the first
/// call after the previous one closed; a call beyond the limit is refused until the window ends. A failures-only
/// budget (wrong passwords per login id) counts failed calls only, and reaching its limit starts a wait of one window,
/// then two, four … up to 64 while the overruns go on; a whole quiet window after a wait forgives them. The request
/// path keeps one per key in memory when it runs alone, and the budget grain keeps one per activation, so that a
/// cluster counts each budget once. Not thread-safe: the caller serialises access.
/// </summary>
public sealed class RateBudget
{
    private long _windowStart;
    private long _blockedUntil;
    private int _count;
    private int _strikes;

    /// <summary>Counts one call: admitted while the window's count stays within <paramref name="limit"/>.</summary>
    public BudgetReading Take(int limit, long windowMs, long now)
    {
        OpenWindow(now, windowMs);
        var count = ++_count;
        var reset = _windowStart + windowMs;
        return new BudgetReading(count, reset, count <= limit ? 0 : reset);
    }

    /// <summary>A failures-only budget before the call: refused while its wait runs, not counted.</summary>
    public BudgetReading Peek(int limit, long windowMs, long now) =>
        _blockedUntil > now
            ? new BudgetReading(limit, _blockedUntil, _blockedUntil)
            : now >= _windowStart + windowMs
                ? new BudgetReading(0, now + windowMs, 0)
                : new BudgetReading(_count, _windowStart + windowMs, 0);

    /// <summary>A failed call against a failures-only budget; reaching the limit starts a wait of 1, 2, 4 … 64 windows.</summary>
    public void RecordFailure(int limit, long windowMs, long now)
    {
        OpenWindow(now, windowMs);
        if (++_count < limit)
        {
            return;
        }
        _strikes = Math.Min(_strikes + 1, 7);
        _blockedUntil = now + windowMs * (1L << (_strikes - 1));
        // Counting starts again when the wait ends; a whole quiet window after that forgives the strikes.
        _windowStart = _blockedUntil;
        _count = 0;
    }

    /// <summary>
    /// From this time on the budget is as good as new (window over, no wait running, strikes forgiven): whoever keeps
    /// it may forget it.
    /// </summary>
    public long ForgettableAt(long windowMs) => Math.Max(_windowStart, _blockedUntil) + 2 * windowMs;

    private void OpenWindow(long now, long windowMs)
    {
        if (now >= _windowStart + windowMs)
        {
            if (now >= _windowStart + 2 * windowMs)
            {
                _strikes = 0;
            }
            _windowStart = now;
            _count = 0;
        }
    }
}
