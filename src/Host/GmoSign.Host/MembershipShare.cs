using GmoSign.Platform.Cluster;
using Orleans.Runtime;

namespace GmoSign.Host;

/// <summary>
/// The hosts' shares from Orleans' membership table: the silos now active, ordered by address. Hosts agree on it
/// within a membership update; in between, a piece of work may be done by two hosts or wait for the next look, so
/// what is shared this way must be safe to do twice and be picked up again later.
/// </summary>
internal sealed class MembershipShare(IClusterMembershipService membership, ILocalSiloDetails local) : IClusterShare
{
    public (int Index, int Count) Current()
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .Order()
            .ToList();
        var index = active.IndexOf(local.SiloAddress);
        return index < 0 ? (0, 1) : (index, active.Count);
    }
}
