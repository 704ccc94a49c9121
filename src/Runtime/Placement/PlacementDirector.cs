using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Membership;

namespace MemoryPlatform.Runtime.Placement;

/// <summary>
/// Chooses the silo for a grain that has no live activation: rendezvous hash of the grain id over
/// the Active silos' advertised addresses (an address, not an incarnation id, so a silo restarted
/// on the same address gets the same grains back, and the gateway needs only addresses).
/// The choice is a hint: the directory's compare-and-set decides who really activates.
/// </summary>
public static class PlacementDirector
{
    public static SiloEntry? Place(GrainId grain, MembershipSnapshot membership)
    {
        var silos = membership.ActiveSilos;
        var index = RendezvousHash.Pick(grain.ToString(), silos.Select(s => s.Address).ToArray());
        return index < 0 ? null : silos[index];
    }
}
