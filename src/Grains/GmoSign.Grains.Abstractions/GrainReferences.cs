namespace GmoSign.Grains;

/// <summary>
/// Grain references without Orleans' per-call type resolution. <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> resolves the
/// interface's <see cref="GrainInterfaceType"/> from its attributes by reflection on every call; on a plain read
/// (three grain references: tenant, rate budget, envelope) that was about a tenth of the host's CPU. The interface type
/// and the grain type it maps to are the same for every key and every host, so they are resolved once per interface
/// through Orleans itself and reused; the reference comes from <see cref="IGrainFactory.GetGrain(GrainId, GrainInterfaceType)"/>.
/// </summary>
public static class GrainReferences
{
    public static T Reference<T>(this IGrainFactory grains, Guid key) where T : IGrainWithGuidKey
    {
        var (grainType, interfaceType) = Types<T>.Known ?? Types<T>.Learn(grains.GetGrain<T>(Guid.Empty));
        return (T)grains.GetGrain(GrainId.Create(grainType, GrainIdKeyExtensions.CreateGuidKey(key)), interfaceType);
    }

    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var (grainType, interfaceType) = Types<T>.Known ?? Types<T>.Learn(grains.GetGrain<T>("-"));
        return (T)grains.GetGrain(GrainId.Create(grainType, IdSpan.Create(key)), interfaceType);
    }

    private static class Types<T>
    {
        public static (GrainType, GrainInterfaceType)? Known;

        /// <summary>
        /// Reads the types off a reference Orleans made. A type Orleans could not resolve yet (a stub, in Orleans' own
        /// "sys." namespace: the implementation is not loaded) is used for this call only, never kept.
        /// </summary>
        public static (GrainType, GrainInterfaceType) Learn(T probe)
        {
            var reference = (GrainReference)(object)probe!;
            var types = (reference.GrainId.Type, reference.InterfaceType);
            if (!reference.GrainId.Type.ToString()!.StartsWith("sys.", StringComparison.Ordinal))
            {
                Known = types;
            }
            return types;
        }
    }
}
