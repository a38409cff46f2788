using GmoSign.Grains;

namespace GmoSign.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ResellerGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Register_creates_once_and_replays_the_first_result()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IResellerGrain>(id);
        var operatorId = Guid.NewGuid();

        var first = await grain.RegisterAsync(new RegisterReseller("代理店A", "a@example.jp", [1, 2, 3], operatorId));
        var replay = await grain.RegisterAsync(new RegisterReseller("other", "b@example.jp", [9], operatorId));

        Assert.True(first.Created);
        Assert.False(replay.Created);
        Assert.Equal(first.Reseller, replay.Reseller);
        Assert.Equal("代理店A", replay.Reseller.Name);
        Assert.Equal(ResellerStatus.Active, replay.Reseller.Status);
        var rows = ClusterFixture.ResellerRows[id];
        Assert.Single(rows);
        Assert.Equal([1, 2, 3], rows[0].ApiKeyHash);
    }

    [Fact]
    public async Task Get_returns_null_for_an_unknown_reseller()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<IResellerGrain>(Guid.NewGuid());
        Assert.Null(await grain.GetAsync());
    }

    [Fact]
    public async Task State_survives_deactivation()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IResellerGrain>(id);
        await grain.RegisterAsync(new RegisterReseller("代理店B", "b@example.jp", [4], Guid.NewGuid()));

        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        var snapshot = await fixture.Cluster.GrainFactory.GetGrain<IResellerGrain>(id).GetAsync();
        Assert.Equal("代理店B", snapshot?.Name);
    }
}
