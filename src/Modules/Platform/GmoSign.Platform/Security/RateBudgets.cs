using System.Collections.Concurrent;

namespace GmoSign.Platform.Security;

/// <summary>
/// Where the rate limiter keeps its budgets (<see cref="RateBudget"/> by key). The host keeps them in budget grains, so
/// that a cluster counts each budget once whichever host serves the call; <see cref="LocalRateBudgets"/> keeps them in
/// this process.
/// </summary>
public interface IRateBudgets
{
    /// <summary>Counts one call against the budget <paramref name="key"/>.</summary>
    ValueTask<BudgetReading> TakeAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Reads a failures-only budget without counting: refused while its wait runs.</summary>
    ValueTask<BudgetReading> PeekAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Counts a failed call against a failures-only budget.</summary>
    ValueTask RecordFailureAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken);
}

/// <summary>Budgets in this process's memory: for a host on its own, and for a cluster host while the budget grains cannot be reached.</summary>
public sealed class LocalRateBudgets(TimeProvider clock) : IRateBudgets
{
    /// <summary>Budgets kept before forgettable ones (windows over, no wait running) are dropped.</summary>
    private const int MaxTrackedKeys = 50_000;

    private readonly ConcurrentDictionary<string, RateBudget> _budgets = new();
    private int _operations;

    public ValueTask<BudgetReading> TakeAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var (now, windowMs) = (clock.GetUtcNow().ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds);
        var budget = BudgetOf(key, now, windowMs);
        lock (budget)
        {
            return ValueTask.FromResult(budget.Take(limit, windowMs, now));
        }
    }

    public ValueTask<BudgetReading> PeekAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var (now, windowMs) = (clock.GetUtcNow().ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds);
        if (!_budgets.TryGetValue(key, out var budget))
        {
            return ValueTask.FromResult(new BudgetReading(0, now + windowMs, 0));
        }
        lock (budget)
        {
            return ValueTask.FromResult(budget.Peek(limit, windowMs, now));
        }
    }

    public ValueTask RecordFailureAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var (now, windowMs) = (clock.GetUtcNow().ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds);
        var budget = BudgetOf(key, now, windowMs);
        lock (budget)
        {
            budget.RecordFailure(limit, windowMs, now);
        }
        return ValueTask.CompletedTask;
    }

    private RateBudget BudgetOf(string key, long now, long windowMs)
    {
        if (Interlocked.Increment(ref _operations) % 4096 == 0 && _budgets.Count > MaxTrackedKeys)
        {
            foreach (var (staleKey, stale) in _budgets)
            {
                lock (stale)
                {
                    if (now >= stale.ForgettableAt(windowMs))
                    {
                        _budgets.TryRemove(staleKey, out _);
                    }
                }
            }
        }
        return _budgets.GetOrAdd(key, _ => new RateBudget());
    }
}
