using MemoryPlatform.Runtime.Placement;

namespace MemoryPlatform.Runtime.Tests;

public sealed class PlacementTests
{
    private static readonly string[] FourSilos = ["10.0.0.1:11111", "10.0.0.2:11111", "10.0.0.3:11111", "10.0.0.4:11111"];
    private static readonly string[] Keys = Enumerable.Range(0, 20_000).Select(i => $"doc/tenant-{i % 37}:{i}").ToArray();

    [Fact]
    public void Weight_is_a_fixed_function_of_grain_and_silo()
    {
        // Pinned value: a change here would move every grain of a running cluster, and break the gateway.
        Assert.Equal(RendezvousHash.Weight("doc/a", "10.0.0.1:11111"), RendezvousHash.Weight("doc/a", "10.0.0.1:11111"));
        Assert.NotEqual(RendezvousHash.Weight("ab", "c"), RendezvousHash.Weight("a", "bc"));
        Assert.Equal(0xb74a4fcf2e77aaafUL, RendezvousHash.Weight("grain", "silo")); // SHA-256("grain\0silo")[0..8], big-endian
    }

    [Fact]
    public void Pick_is_stable_and_independent_of_silo_order()
    {
        var reversed = FourSilos.Reverse().ToArray();
        foreach (var key in Keys.Take(2000))
            Assert.Equal(FourSilos[RendezvousHash.Pick(key, FourSilos)], reversed[RendezvousHash.Pick(key, reversed)]);
        Assert.Equal(-1, RendezvousHash.Pick("x", []));
    }

    [Fact]
    public void Keys_spread_roughly_evenly()
    {
        var counts = Keys.GroupBy(k => RendezvousHash.Pick(k, FourSilos)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, counts.Count);
        var fair = Keys.Length / 4.0;
        foreach (var count in counts.Values) Assert.InRange(count, fair * 0.9, fair * 1.1);
    }

    [Fact]
    public void A_joining_silo_takes_about_one_in_n_keys_and_only_moves_them_to_itself()
    {
        string[] five = [.. FourSilos, "10.0.0.5:11111"];
        var moved = 0;
        foreach (var key in Keys)
        {
            var before = FourSilos[RendezvousHash.Pick(key, FourSilos)];
            var after = five[RendezvousHash.Pick(key, five)];
            if (before == after) continue;
            moved++;
            Assert.Equal("10.0.0.5:11111", after);
        }
        Assert.InRange(moved / (double)Keys.Length, 0.17, 0.23); // ideal 1/5
    }

    [Fact]
    public void A_leaving_silo_moves_only_its_own_keys()
    {
        var three = FourSilos.Take(3).ToArray();
        foreach (var key in Keys.Take(5000))
        {
            var before = FourSilos[RendezvousHash.Pick(key, FourSilos)];
            if (before != FourSilos[3]) Assert.Equal(before, three[RendezvousHash.Pick(key, three)]);
        }
    }
}
