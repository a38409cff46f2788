using GmoSign.Errors;
using GmoSign.Grains;

namespace GmoSign.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TenantGrainTests(ClusterFixture fixture)
{
    private static CreateTenant Command(int extraSeats = 0) => new(
        Guid.NewGuid(),
        new CustomerProfile("株式会社グレイン", CustomerKind.Organization, "7000012050002", "代表 太郎", "admin@grain.example.jp", "東京都", null),
        "standard", 5, 12,
        extraSeats > 0 ? new Dictionary<string, int> { ["extra_seats"] = extraSeats } : new Dictionary<string, int>(),
        "v1");

    [Fact]
    public async Task Create_is_idempotent_and_counts_seats_from_plan_and_option()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITenantGrain>(id);
        var first = await grain.CreateAsync(Command(extraSeats: 3));
        var again = await grain.CreateAsync(Command());

        Assert.Equal(first.Version, again.Version);
        Assert.Equal(8, again.Seats);
        Assert.Equal(TenantStatus.Active, again.Status);
        Assert.Equal(first.TermStart.AddMonths(12), first.TermEnd);
        Assert.Single(ClusterFixture.TenantRows[id]);
    }

    [Fact]
    public async Task Suspension_blocks_transactions_until_resumed_and_termination_is_final()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITenantGrain>(Guid.NewGuid());
        await grain.CreateAsync(Command());

        var suspended = await grain.SuspendAsync("未払い");
        Assert.Equal(TenantStatus.Suspended, suspended.Status);
        var resumed = await grain.ResumeAsync();
        Assert.Equal(TenantStatus.Active, resumed.Status);
        Assert.Null(resumed.StatusReason);

        var ended = await grain.TerminateForCauseAsync(TerminationKind.AntiSocialForce, "22-3");
        Assert.Equal(TenantStatus.Terminated, ended.Status);
        Assert.Equal(ended.TerminatedAt!.Value.AddDays(30), ended.ExportUntil);

        var ex = await Assert.ThrowsAsync<DomainException>(() => grain.SetOptionAsync("bulk_send", 1));
        Assert.Equal("TENANT_TERMINATED", ex.Reason);
        var unchanged = await grain.GetAsync();
        Assert.DoesNotContain("bulk_send", unchanged!.Options.Keys);
        Assert.Equal(ended.Version, unchanged.Version);
    }

    [Fact]
    public async Task A_failed_change_leaves_no_trace()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITenantGrain>(Guid.NewGuid());
        var created = await grain.CreateAsync(Command());
        await Assert.ThrowsAsync<DomainException>(() => grain.ResumeAsync());
        var after = await grain.GetAsync();
        Assert.Equal(created.Version, after!.Version);
        Assert.Equal(TenantStatus.Active, after.Status);
    }

    [Fact]
    public async Task Unknown_tenants_are_not_found()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITenantGrain>(Guid.NewGuid());
        Assert.Null(await grain.GetAsync());
        var ex = await Assert.ThrowsAsync<DomainException>(() => grain.SuspendAsync("x"));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
    }
}
