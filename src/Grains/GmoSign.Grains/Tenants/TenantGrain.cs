using GmoSign.Errors;
using GmoSign.Reseller.Contracts;
using GmoSign.Retention.Contracts;
using Microsoft.Extensions.Options;

using GmoSign.Grains.Ports;

namespace GmoSign.Grains.Tenants;

internal sealed class TenantGrain(
    [PersistentState("tenant", GrainStorage.Name)] IPersistentState<TenantState> state,
    ITenantDirectory directory,
    IEnumerable<ITenantDataDeletion> deletions,
    IOptions<LifecycleOptions> options,
    TimeProvider clock) : Grain, ITenantGrain, IRemindable
{
    internal const string LifecycleReminder = "lifecycle";
    private readonly LifecycleOptions _options = options.Value;

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        // A tick missed while no silo ran is caught up at the first activation.
        state.State.Exists ? AdvanceAsync() : Task.CompletedTask;

    public async Task<TenantSnapshot> CreateAsync(CreateTenant command)
    {
        if (state.State.Exists)
        {
            return Snapshot();
        }
        var now = clock.GetUtcNow();
        var s = state.State;
        s.Exists = true;
        s.ResellerId = command.ResellerId;
        s.Customer = command.Customer;
        s.Plan = command.Plan;
        s.PlanSeats = command.PlanSeats;
        s.Options = new Dictionary<string, int>(command.Options, StringComparer.Ordinal);
        s.Status = TenantStatus.Active;
        s.TermMonths = command.TermMonths;
        s.TermStart = now;
        s.TermEnd = TenantLifecycle.AddTerm(now, command.TermMonths, _options.MonthLengthOverride);
        s.AcceptedTermsVersion = command.AcceptedTermsVersion;
        s.CreatedAt = now;
        await this.RegisterOrUpdateReminder(LifecycleReminder, _options.CheckInterval, _options.CheckInterval);
        await SaveAsync();
        return Snapshot();
    }

    public async Task<TenantSnapshot?> GetAsync()
    {
        if (!state.State.Exists)
        {
            return null;
        }
        await AdvanceAsync();
        return Snapshot();
    }

    public Task<TenantSnapshot> SetOptionAsync(string code, int quantity) => ChangeAsync(s =>
    {
        TenantLifecycle.EnsureNotEnded(s);
        if (quantity == 0)
        {
            s.Options.Remove(code);
        }
        else
        {
            s.Options[code] = quantity;
        }
    });

    public Task<TenantSnapshot> SetNonRenewalAsync(bool nonRenewal) => ChangeAsync(s =>
    {
        TenantLifecycle.EnsureNotEnded(s);
        s.NonRenewal = nonRenewal;
    });

    public Task<TenantSnapshot> TerminateByNoticeAsync(DateTimeOffset effectiveAt, string notice) => ChangeAsync(s =>
    {
        TenantLifecycle.EnsureNotEnded(s);
        var now = clock.GetUtcNow();
        if (effectiveAt <= now)
        {
            TenantLifecycle.End(s, TerminationKind.ResellerNotice, now, notice, _options);
        }
        else
        {
            s.ScheduledTerminationAt = effectiveAt;
            s.ScheduledTerminationNotice = notice;
        }
    });

    public Task<TenantSnapshot> TerminateForCauseAsync(TerminationKind kind, string reason) => ChangeAsync(s =>
    {
        TenantLifecycle.EnsureNotEnded(s);
        TenantLifecycle.End(s, kind, clock.GetUtcNow(), reason, _options);
    });

    public Task<TenantSnapshot> SuspendAsync(string reason) => ChangeAsync(s =>
    {
        TenantLifecycle.EnsureNotEnded(s);
        s.Status = TenantStatus.Suspended;
        s.StatusReason = reason;
    });

    public Task<TenantSnapshot> ResumeAsync() => ChangeAsync(s =>
    {
        TenantLifecycle.EnsureNotEnded(s);
        if (s.Status != TenantStatus.Suspended)
        {
            throw DomainException.Precondition("TENANT_NOT_SUSPENDED", "The tenant is not suspended.", "テナントは利用停止中ではありません。");
        }
        s.Status = TenantStatus.Active;
        s.StatusReason = null;
    });

    public Task<TenantSnapshot> ApplyProfileChangeAsync(CustomerProfile customer) => ChangeAsync(s =>
    {
        TenantLifecycle.EnsureNotEnded(s);
        s.Customer = customer;
    });

    public async Task<TenantSnapshot> RecordTermsConsentAsync(string version, DateTimeOffset effectiveAt)
    {
        var s = state.State;
        var same = s.AcceptedTermsVersion == version;
        var newer = s.AcceptedTermsEffectiveAt is not { } current || effectiveAt > current;
        if (!s.Exists || (same && s.AcceptedTermsEffectiveAt == effectiveAt) || (!same && !newer))
        {
            return await GetAsync() ?? throw DomainException.NotFound("Tenant", "テナント", "tenant_id");
        }
        return await ChangeAsync(t =>
        {
            t.AcceptedTermsVersion = version;
            t.AcceptedTermsEffectiveAt = effectiveAt;
        });
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == LifecycleReminder && state.State.Exists)
        {
            await AdvanceAsync();
        }
    }

    private async Task AdvanceAsync()
    {
        var now = clock.GetUtcNow();
        if (TenantLifecycle.Advance(state.State, now, _options))
        {
            await SaveAsync();
        }
        // Art. 21: when the export window has closed, the retained data goes (idempotent, so a retry after a crash
        // between the deletion and this state write simply finds the deletion record).
        if (state.State is { Status: TenantStatus.Terminated, ExportUntil: { } exportUntil } && exportUntil <= now)
        {
            foreach (var deletion in deletions)
            {
                await deletion.DeleteTenantDataAsync(this.GetPrimaryKey(), CancellationToken.None);
            }
            state.State.Status = TenantStatus.Deleted;
            state.State.StatusReason = "Data deleted after the export window (Art. 21) / エクスポート期間終了後にデータを削除しました（第21条）";
            await SaveAsync();
            if (await this.GetReminder(LifecycleReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
    }

    private async Task<TenantSnapshot> ChangeAsync(Action<TenantState> change)
    {
        if (!state.State.Exists)
        {
            throw DomainException.NotFound("Tenant", "テナント", "tenant_id");
        }
        TenantLifecycle.Advance(state.State, clock.GetUtcNow(), _options);
        try
        {
            change(state.State);
        }
        catch
        {
            // Nothing half-written: drop the in-memory change by reloading what is durable.
            await state.ReadStateAsync();
            throw;
        }
        await SaveAsync();
        return Snapshot();
    }

    /// <summary>Directory row first (idempotent upsert), grain state last: acknowledged means both are durable.</summary>
    private async Task SaveAsync()
    {
        var s = state.State;
        s.Version++;
        try
        {
            await directory.UpsertAsync(new TenantEntry(
                this.GetPrimaryKey(), s.ResellerId, s.Customer.Name, s.Customer.CorporateNumber, (int)s.Status, s.Plan,
                s.TermEnd, s.CreatedAt, (int?)s.TerminationKind), CancellationToken.None);
            await state.WriteStateAsync();
        }
        catch
        {
            // Memory must not run ahead of what is durable.
            await state.ReadStateAsync();
            throw;
        }
    }

    /// <summary>In memory only: a new activation starts a new epoch, so nothing read under an older one is trusted.</summary>
    private Guid _sessionEpoch = Guid.NewGuid();

    public Task ForgetSessionsAsync()
    {
        _sessionEpoch = Guid.NewGuid();
        return Task.CompletedTask;
    }

    private TenantSnapshot Snapshot()
    {
        var s = state.State;
        return new TenantSnapshot(this.GetPrimaryKey(), s.ResellerId, s.Customer, s.Plan, s.PlanSeats,
            new Dictionary<string, int>(s.Options, StringComparer.Ordinal), s.Status, s.StatusReason, s.TermStart, s.TermEnd,
            s.TermMonths, s.NonRenewal, s.Renewals, s.TerminationKind, s.TerminatedAt, s.ExportUntil,
            s.ScheduledTerminationAt, s.AcceptedTermsVersion, s.CreatedAt, s.Version) { SessionEpoch = _sessionEpoch };
    }
}
