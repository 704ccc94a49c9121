using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MemoryPlatform.Runtime.Placement;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: a grain goes to the silo with the highest
/// weight(grain, silo). Pure and stable across processes and versions (SHA-256, never
/// string.GetHashCode), so the gateway computes the same owner as the silos.
/// Properties: every caller with the same silo set picks the same silo; when a silo joins, only the
/// keys it now wins (about 1/N) move; when one leaves, only its own keys move.
/// </summary>
public static class RendezvousHash
{
    /// <summary>First 8 bytes of SHA-256(utf8(grain) 0x00 utf8(silo)), big-endian.</summary>
    public static ulong Weight(string grainKey, string siloKey)
    {
        var grainBytes = Encoding.UTF8.GetByteCount(grainKey);
        var total = grainBytes + 1 + Encoding.UTF8.GetByteCount(siloKey);
        var buffer = total <= 512 ? stackalloc byte[total] : new byte[total];
        Encoding.UTF8.GetBytes(grainKey, buffer);
        buffer[grainBytes] = 0; // separator: ("ab","c") and ("a","bc") must differ
        Encoding.UTF8.GetBytes(siloKey, buffer[(grainBytes + 1)..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>Index of the winning silo in <paramref name="siloKeys"/>, or -1 when empty. Ties break by ordinal key.</summary>
    public static int Pick(string grainKey, IReadOnlyList<string> siloKeys)
    {
        var best = -1;
        ulong bestWeight = 0;
        for (var i = 0; i < siloKeys.Count; i++)
        {
            var weight = Weight(grainKey, siloKeys[i]);
            if (best < 0 || weight > bestWeight ||
                (weight == bestWeight && string.CompareOrdinal(siloKeys[i], siloKeys[best]) < 0))
            {
                best = i;
                bestWeight = weight;
            }
        }
        return best;
    }
}
