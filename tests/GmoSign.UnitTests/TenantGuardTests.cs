using GmoSign.Errors;
using GmoSign.Reseller;
using GmoSign.Reseller.Contracts;

namespace GmoSign.UnitTests;

/// <summary>What Signing is told when it asks whether a tenant may send or sign (Art. 12-2, 20, 21).</summary>
public sealed class TenantGuardTests
{
    private static TenantView View(TenantLifecycleStatus status, string? reason = null, DateTimeOffset? exportUntil = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), status, reason, 5, new Dictionary<string, int> { ["api_access"] = 1 }, exportUntil);

    [Fact]
    public void An_active_tenant_may_transact() =>
        Assert.Equal(TenantLifecycleStatus.Active, TenantGuards.EnsureCanTransact(View(TenantLifecycleStatus.Active)).Status);

    [Fact]
    public void A_suspended_tenant_is_refused_with_the_reason_but_may_still_sign_in()
    {
        var view = View(TenantLifecycleStatus.Suspended, "未払い");
        var ex = Assert.Throws<DomainException>(() => TenantGuards.EnsureCanTransact(view));
        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
        Assert.Equal("TENANT_SUSPENDED", ex.Reason);
        Assert.Contains("未払い", ex.Japanese);
        Assert.Contains("未払い", ex.English);
        Assert.True(view.CanSignIn(DateTimeOffset.UtcNow));
        Assert.True(view.CanAdminister);
    }

    [Fact]
    public void A_terminated_tenant_is_read_only_until_its_export_window_closes()
    {
        var now = DateTimeOffset.UtcNow;
        var view = View(TenantLifecycleStatus.Terminated, exportUntil: now.AddDays(1));
        Assert.Equal("TENANT_TERMINATED", Assert.Throws<DomainException>(() => TenantGuards.EnsureCanTransact(view)).Reason);
        Assert.True(view.CanSignIn(now));
        Assert.False(view.CanSignIn(now.AddDays(2)));
        Assert.False(view.CanAdminister);
    }

    [Fact]
    public void An_unknown_tenant_is_not_found() =>
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<DomainException>(() => TenantGuards.EnsureCanTransact(null)).Kind);
}
