using System.Collections.Concurrent;
using GmoSign.Grains;
using GmoSign.Platform.Security;

namespace GmoSign.Reseller;

/// <summary>The published terms versions, cached for 30 seconds (and refreshed at once after a local publish).</summary>
internal sealed class TermsCatalog(TermsStore store, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(List<TermsVersionRecord> Versions, DateTimeOffset LoadedAt);

    public async Task<TermsVersionRecord?> FindAsync(string version, CancellationToken cancellationToken) =>
        (await VersionsAsync(cancellationToken)).FirstOrDefault(v => v.Version == version);

    /// <summary>The version that governs now: the latest whose effective date has come.</summary>
    public async Task<TermsVersionRecord?> CurrentAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await VersionsAsync(cancellationToken)).Where(v => v.EffectiveAt <= now).MaxBy(v => v.EffectiveAt);

    public void Invalidate() => _snapshot = null;

    private async Task<List<TermsVersionRecord>> VersionsAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_snapshot is { } s && now - s.LoadedAt < Lifetime)
        {
            return s.Versions;
        }
        var loaded = await store.ListAsync(cancellationToken);
        _snapshot = new Snapshot(loaded, now);
        return loaded;
    }
}

/// <summary>
/// Art. 28-3: using the service after a new terms version takes effect counts as consent. On the first call of a
/// tenant's user or integration after that date, the deemed consent is recorded once (then remembered in memory).
/// </summary>
internal sealed class TermsConsentObserver(TermsCatalog terms, ContractStore store, IGrainFactory grains, TimeProvider clock) : ICallerCheck
{
    private readonly ConcurrentDictionary<(Guid Tenant, string Version), byte> _recorded = new();

    public async ValueTask CheckAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (caller.Kind is not (CallerKind.TenantUser or CallerKind.Integration) || caller.TenantId is not { } tenantId)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var current = await terms.CurrentAsync(now, cancellationToken);
        if (current is null || _recorded.ContainsKey((tenantId, current.Version)))
        {
            return;
        }
        if (await store.RecordConsentAsync(tenantId, current.Version, "deemed", caller.UserId, now, cancellationToken))
        {
            await grains.Reference<ITenantGrain>(tenantId).RecordTermsConsentAsync(current.Version, current.EffectiveAt);
        }
        _recorded.TryAdd((tenantId, current.Version), 0);
    }
}
