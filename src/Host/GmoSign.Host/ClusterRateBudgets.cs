using GmoSign.Grains;
using GmoSign.Platform.Security;

namespace GmoSign.Host;

/// <summary>
/// The rate limiter's budgets for a cluster: each key is one <see cref="IRateBudgetGrain"/>, so a tenant's (reseller's,
/// link's, address's, login id's) budget is one budget whichever host serves the call. A budget grain that cannot be
/// reached — its host just died and the cluster has not voted it out yet, or it did not answer within its response
/// timeout — does not fail the call: that call is counted in this host's memory instead (a warning says so, at most
/// once a minute), as a host on its own would count it.
/// </summary>
internal sealed class ClusterRateBudgets(IGrainFactory grains, LocalRateBudgets local, TimeProvider clock, ILogger<ClusterRateBudgets> logger)
    : IRateBudgets
{
    /// <summary>When the last warning was written (Unix milliseconds).</summary>
    private long _lastWarning;

    public async ValueTask<BudgetReading> TakeAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        try
        {
            return await grains.Reference<IRateBudgetGrain>(key).TakeAsync(limit, window);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Unreachable(ex);
            return await local.TakeAsync(key, limit, window, cancellationToken);
        }
    }

    public async ValueTask<BudgetReading> PeekAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        try
        {
            return await grains.Reference<IRateBudgetGrain>(key).PeekAsync(limit, window);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Unreachable(ex);
            return await local.PeekAsync(key, limit, window, cancellationToken);
        }
    }

    public async ValueTask RecordFailureAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        try
        {
            await grains.Reference<IRateBudgetGrain>(key).RecordFailureAsync(limit, window);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Unreachable(ex);
            await local.RecordFailureAsync(key, limit, window, cancellationToken);
        }
    }

    private void Unreachable(Exception ex)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref _lastWarning);
        if (now - last >= 60_000 && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
        {
            logger.LogWarning("A rate-limit budget grain could not be reached ({Error}: {Message}); this host counts such calls in its own memory meanwhile",
                ex.GetType().Name, ex.Message);
        }
    }
}
