using GmoSign.Grains;

namespace GmoSign.Grains.Tests;

/// <summary>The cached references address exactly the grains Orleans' own GetGrain does, and reach them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_reference_names_the_same_grain_and_interface_as_GetGrain_for_every_grain_interface_even_when_first_asked_at_once()
    {
        var grains = fixture.Cluster.GrainFactory;
        var id = Guid.NewGuid();
        // Many threads ask for the first reference of each interface at the same time.
        var envelopes = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => grains.Reference<IEnvelopeGrain>(id))));
        Assert.All(envelopes, e => Assert.Equal(grains.GetGrain<IEnvelopeGrain>(id).GetGrainId(), e.GetGrainId()));
        Assert.Equal(((GrainReference)grains.GetGrain<IEnvelopeGrain>(id)).InterfaceType, ((GrainReference)envelopes[0]).InterfaceType);
        Assert.Equal(grains.GetGrain<ITenantGrain>(id).GetGrainId(), grains.Reference<ITenantGrain>(id).GetGrainId());
        Assert.Equal(grains.GetGrain<IResellerGrain>(id).GetGrainId(), grains.Reference<IResellerGrain>(id).GetGrainId());
        var key = "t:" + id.ToString("N");
        Assert.Equal(grains.GetGrain<IRateBudgetGrain>(key).GetGrainId(), grains.Reference<IRateBudgetGrain>(key).GetGrainId());
        Assert.NotEqual(grains.Reference<ITenantGrain>(id).GetGrainId(), grains.Reference<ITenantGrain>(Guid.NewGuid()).GetGrainId());

        // And a call through one reaches the grain: a budget taken through either reference is one count.
        await grains.Reference<IRateBudgetGrain>(key).TakeAsync(5, TimeSpan.FromMinutes(1));
        var second = await grains.GetGrain<IRateBudgetGrain>(key).TakeAsync(5, TimeSpan.FromMinutes(1));
        Assert.Equal(2, second.Count);
        Assert.Throws<ArgumentException>(() => grains.Reference<IRateBudgetGrain>(" "));
    }
}
