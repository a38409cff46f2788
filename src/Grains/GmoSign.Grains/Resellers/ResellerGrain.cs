using GmoSign.Reseller.Contracts;

using GmoSign.Grains.Ports;

namespace GmoSign.Grains.Resellers;

[GenerateSerializer]
internal sealed class ResellerState
{
    [Id(0)] public ResellerSnapshot? Reseller { get; set; }
    [Id(1)] public byte[] ApiKeyHash { get; set; } = [];
    [Id(2)] public Guid RegisteredBy { get; set; }
}

internal sealed class ResellerGrain(
    [PersistentState("reseller", GrainStorage.Name)] IPersistentState<ResellerState> state,
    IResellerDirectory directory,
    TimeProvider clock) : Grain, IResellerGrain
{
    public async Task<ResellerRegistration> RegisterAsync(RegisterReseller command)
    {
        if (state.State.Reseller is { } existing)
        {
            return new ResellerRegistration(existing, Created: false);
        }

        var reseller = new ResellerSnapshot(this.GetPrimaryKey(), command.Name, command.ContactEmail, ResellerStatus.Active, clock.GetUtcNow());
        // Directory first, then state: a crash in between leaves a row that the retried call overwrites
        // with the same values; state is written last, so "registered" is only ever reported once durable.
        await directory.UpsertAsync(ToEntry(reseller, command.ApiKeyHash, command.RegisteredBy), CancellationToken.None);
        state.State.Reseller = reseller;
        state.State.ApiKeyHash = command.ApiKeyHash;
        state.State.RegisteredBy = command.RegisteredBy;
        await state.WriteStateAsync();
        return new ResellerRegistration(reseller, Created: true);
    }

    public Task<ResellerSnapshot?> GetAsync() => Task.FromResult(state.State.Reseller);

    public async Task<ResellerSnapshot?> SetStatusAsync(ResellerStatus status, string? reason, Guid by)
    {
        if (state.State.Reseller is not { } current)
        {
            return null;
        }
        if (current.Status == status)
        {
            return current;
        }
        // Directory first (the credential check reads it), state last: a retry after a crash in between finds the
        // state unchanged and writes the same directory row again; the history keeps one entry per change.
        await directory.SetStatusAsync(current.ResellerId, (int)status, reason, by, clock.GetUtcNow(), CancellationToken.None);
        var changed = current with { Status = status };
        state.State.Reseller = changed;
        await state.WriteStateAsync();
        return changed;
    }

    private static ResellerEntry ToEntry(ResellerSnapshot r, byte[] apiKeyHash, Guid registeredBy) =>
        new(r.ResellerId, r.Name, r.ContactEmail, (int)r.Status, r.CreatedAt, apiKeyHash, registeredBy);
}
