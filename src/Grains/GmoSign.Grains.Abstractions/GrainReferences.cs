namespace GmoSign.Grains;

/// <summary>
/// Grain references without Orleans' per-call type resolution. <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> resolves the
/// interface's <see cref="GrainInterfaceType"/> from its attributes by reflection on every call; on a plain read
/// (three grain references: tenant, rate budget, envelope) that was about a tenth of the host's CPU. The interface type
/// and the grain type it maps to are the same for every key and every host (each interface here has one grain class,
/// built into every host), so they are resolved once per interface through Orleans itself — from the first reference
/// <c>GetGrain</c> makes — and reused; the reference comes from <see cref="IGrainFactory.GetGrain(GrainId, GrainInterfaceType)"/>.
/// </summary>
public static class GrainReferences
{
    public static T Reference<T>(this IGrainFactory grains, Guid key) where T : IGrainWithGuidKey
    {
        var types = Types<T>.Known ?? Types<T>.Learn(grains.GetGrain<T>(Guid.Empty));
        return (T)grains.GetGrain(GrainId.Create(types.Grain, GrainIdKeyExtensions.CreateGuidKey(key)), types.Interface);
    }

    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var types = Types<T>.Known ?? Types<T>.Learn(grains.GetGrain<T>("-"));
        return (T)grains.GetGrain(GrainId.Create(types.Grain, IdSpan.Create(key)), types.Interface);
    }

    /// <summary>One object, published whole: a thread never sees one of the two types without the other.</summary>
    private sealed record Resolved(GrainType Grain, GrainInterfaceType Interface);

    private static class Types<T>
    {
        private static Resolved? _known;

        public static Resolved? Known => Volatile.Read(ref _known);

        public static Resolved Learn(T probe)
        {
            var reference = (GrainReference)(object)probe!;
            var resolved = new Resolved(reference.GrainId.Type, reference.InterfaceType);
            Volatile.Write(ref _known, resolved);
            return resolved;
        }
    }
}
