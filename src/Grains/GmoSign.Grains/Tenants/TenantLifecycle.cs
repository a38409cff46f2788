using GmoSign.Errors;

namespace GmoSign.Grains.Tenants;

/// <summary>
/// The rules of a contract's term (Art. 19, 20, 21), as pure functions of the state and the clock, so that
/// renewal can be tested without waiting. <see cref="Advance"/> is idempotent and catches up: called late it
/// applies every term end that has passed exactly once; called twice it changes nothing the second time.
/// </summary>
internal static class TenantLifecycle
{
    public static DateTimeOffset AddTerm(DateTimeOffset start, int months, TimeSpan? monthLength) =>
        monthLength is { } length ? start + length * months : start.AddMonths(months);

    /// <summary>Applies what the passage of time decided. Returns true when the state changed.</summary>
    public static bool Advance(TenantState state, DateTimeOffset now, LifecycleOptions options)
    {
        if (!state.Exists || state.Status is TenantStatus.Terminated or TenantStatus.Deleted)
        {
            return false;
        }

        var changed = false;
        while (true)
        {
            // Whichever comes first: the scheduled termination or the end of the current term.
            if (state.ScheduledTerminationAt is { } scheduled && scheduled <= now && scheduled <= state.TermEnd)
            {
                End(state, TerminationKind.ResellerNotice, scheduled, state.ScheduledTerminationNotice, options);
                return true;
            }
            if (state.TermEnd > now)
            {
                return changed;
            }
            if (state.NonRenewal)
            {
                End(state, TerminationKind.TermExpired, state.TermEnd, "Non-renewal notice / 更新拒絶の通知", options);
                return true;
            }
            state.TermStart = state.TermEnd;
            state.Renewals++;
            // Counted from the contract's start, so month ends do not drift (31 Jan → 28 Feb → 31 Mar).
            state.TermEnd = AddTerm(state.CreatedAt, state.TermMonths * (state.Renewals + 1), options.MonthLengthOverride);
            state.RenewedAt.Add(state.TermStart);
            changed = true;
        }
    }

    public static void End(TenantState state, TerminationKind kind, DateTimeOffset at, string? reason, LifecycleOptions options)
    {
        state.Status = TenantStatus.Terminated;
        state.TerminationKind = kind;
        state.TerminatedAt = at;
        state.StatusReason = reason;
        state.ExportUntil = at + options.ExportWindow;
        state.ScheduledTerminationAt = null;
    }

    /// <summary>Changes to the contract itself need one that has not ended.</summary>
    public static void EnsureNotEnded(TenantState state)
    {
        if (state.Status is TenantStatus.Terminated or TenantStatus.Deleted)
        {
            throw DomainException.Precondition("TENANT_TERMINATED",
                $"The contract has ended ({state.Status}); it can no longer be changed.",
                "契約は終了しているため、変更できません。");
        }
    }
}
