using GmoSign.Grains;
using GmoSign.Grains.Tenants;

namespace GmoSign.UnitTests;

/// <summary>Renewal arithmetic (Art. 19): a late or repeated tick never skips or doubles a renewal.</summary>
public sealed class TenantLifecycleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 3, 0, 0, TimeSpan.Zero);
    private static readonly LifecycleOptions Options = new() { ExportWindow = TimeSpan.FromDays(30) };

    private static TenantState Tenant(int months = 12) => new()
    {
        Exists = true,
        Status = TenantStatus.Active,
        TermMonths = months,
        TermStart = Start,
        CreatedAt = Start,
        TermEnd = TenantLifecycle.AddTerm(Start, months, null),
    };

    [Fact]
    public void Nothing_happens_before_the_term_ends()
    {
        var state = Tenant();
        Assert.False(TenantLifecycle.Advance(state, Start.AddMonths(12).AddTicks(-1), Options));
        Assert.Equal(0, state.Renewals);
    }

    [Fact]
    public void A_late_tick_catches_up_every_elapsed_term_exactly_once()
    {
        var state = Tenant(1);
        // The host was down for three and a half months.
        Assert.True(TenantLifecycle.Advance(state, Start.AddMonths(3).AddDays(15), Options));
        Assert.Equal(3, state.Renewals);
        // Month ends follow the contract's start day and do not drift: 28 Feb, 31 Mar, 30 Apr.
        Assert.Equal([Start.AddMonths(1), Start.AddMonths(2), Start.AddMonths(3)], state.RenewedAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 3, 0, 0, TimeSpan.Zero), state.RenewedAt[1]);
        Assert.True(state.TermEnd > Start.AddMonths(3).AddDays(15));
    }

    [Fact]
    public void A_repeated_tick_changes_nothing()
    {
        var state = Tenant(1);
        var now = Start.AddMonths(1).AddHours(1);
        Assert.True(TenantLifecycle.Advance(state, now, Options));
        var end = state.TermEnd;
        Assert.False(TenantLifecycle.Advance(state, now, Options));
        Assert.False(TenantLifecycle.Advance(state, now.AddMinutes(5), Options));
        Assert.Equal(1, state.Renewals);
        Assert.Equal(end, state.TermEnd);
    }

    [Fact]
    public void Non_renewal_ends_the_contract_at_the_term_end_not_at_the_tick()
    {
        var state = Tenant(12);
        state.NonRenewal = true;
        var lateTick = Start.AddMonths(12).AddDays(2);
        Assert.True(TenantLifecycle.Advance(state, lateTick, Options));
        Assert.Equal(TenantStatus.Terminated, state.Status);
        Assert.Equal(TerminationKind.TermExpired, state.TerminationKind);
        Assert.Equal(Start.AddMonths(12), state.TerminatedAt);
        Assert.Equal(Start.AddMonths(12).AddDays(30), state.ExportUntil);
        Assert.Equal(0, state.Renewals);
        Assert.False(TenantLifecycle.Advance(state, lateTick.AddMonths(12), Options));
    }

    [Fact]
    public void A_scheduled_termination_inside_a_later_term_happens_after_the_renewals_before_it()
    {
        var state = Tenant(1);
        state.ScheduledTerminationAt = Start.AddMonths(2).AddDays(3);
        Assert.True(TenantLifecycle.Advance(state, Start.AddMonths(5), Options));
        Assert.Equal(2, state.Renewals);
        Assert.Equal(TerminationKind.ResellerNotice, state.TerminationKind);
        Assert.Equal(Start.AddMonths(2).AddDays(3), state.TerminatedAt);
    }

    [Fact]
    public void Month_arithmetic_follows_the_calendar_and_the_override_for_tests()
    {
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 3, 0, 0, TimeSpan.Zero), TenantLifecycle.AddTerm(Start, 1, null));
        Assert.Equal(Start.AddSeconds(30), TenantLifecycle.AddTerm(Start, 3, TimeSpan.FromSeconds(10)));
    }
}
