namespace GmoSign.Platform.Cluster;

/// <summary>
/// This host's share of work that every host could do (e.g. the deadline sweep): the hosts now active, sorted, and
/// this host's place among them. A single host, or a host that does not know the cluster yet, does everything.
/// </summary>
public interface IClusterShare
{
    /// <summary>This host's place (0-based) among <c>Count</c> active hosts.</summary>
    (int Index, int Count) Current();
}

/// <summary>The share of a host alone: all of it.</summary>
public sealed class SingleHostShare : IClusterShare
{
    public (int Index, int Count) Current() => (0, 1);
}
