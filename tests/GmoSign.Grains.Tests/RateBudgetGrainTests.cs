using GmoSign.Grains;

namespace GmoSign.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class RateBudgetGrainTests(ClusterFixture fixture)
{
    private IRateBudgetGrain Budget(string key) => fixture.Cluster.GrainFactory.GetGrain<IRateBudgetGrain>(key);

    [Fact]
    public async Task One_key_is_one_count_and_other_keys_count_apart()
    {
        var key = "t:" + Guid.NewGuid().ToString("N");
        var window = TimeSpan.FromMinutes(5);
        var readings = new List<BudgetReading>();
        for (var call = 0; call < 4; call++)
        {
            readings.Add(await Budget(key).TakeAsync(3, window));
        }
        Assert.Equal([1, 2, 3, 4], readings.Select(r => r.Count));
        Assert.Equal([true, true, true, false], readings.Select(r => r.Admitted));
        Assert.Single(readings.Select(r => r.ResetAt).Distinct());
        Assert.Equal(readings[0].ResetAt, readings[3].RetryAt);

        var other = await Budget("t:" + Guid.NewGuid().ToString("N")).TakeAsync(3, window);
        Assert.Equal((1, true), (other.Count, other.Admitted));
    }

    [Fact]
    public async Task A_wait_longer_than_the_idle_limit_keeps_its_activation()
    {
        // A login id that overran its failures-only budget: the wait (ten minutes, longer than the idle limit) survives
        // even a forced collection of idle activations.
        var login = "l:" + Guid.NewGuid().ToString("N");
        var window = TimeSpan.FromMinutes(10);
        await Budget(login).RecordFailureAsync(2, window);
        await Budget(login).RecordFailureAsync(2, window);
        var waiting = await Budget(login).PeekAsync(2, window);
        Assert.False(waiting.Admitted);

        await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(waiting, await Budget(login).PeekAsync(2, window));
    }
}
