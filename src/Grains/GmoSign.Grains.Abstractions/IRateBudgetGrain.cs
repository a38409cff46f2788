namespace GmoSign.Grains;

/// <summary>
/// One call budget of the rate limiter (key: the budget's key, e.g. <c>t:&lt;tenant id&gt;</c>), counted once for the
/// whole cluster. The count lives in the activation only: when its host stops or dies, the window starts over on the
/// host that calls next. Every method is a few arithmetic steps, so the one activation of a busy budget keeps up.
/// The caller passes the limit and window it is configured with. A call that gets no answer within the response
/// timeout fails, and the request path then counts in its own memory for that call.
/// </summary>
public interface IRateBudgetGrain : IGrainWithStringKey
{
    /// <summary>Counts one call; admitted while the window's count stays within <paramref name="limit"/>.</summary>
    [ResponseTimeout("00:00:05")]
    ValueTask<BudgetReading> TakeAsync(int limit, TimeSpan window);

    /// <summary>A failures-only budget before the call: refused while its wait runs, not counted.</summary>
    [ResponseTimeout("00:00:05")]
    ValueTask<BudgetReading> PeekAsync(int limit, TimeSpan window);

    /// <summary>A failed call against a failures-only budget.</summary>
    [ResponseTimeout("00:00:05")]
    ValueTask RecordFailureAsync(int limit, TimeSpan window);
}
