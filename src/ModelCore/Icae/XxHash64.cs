using System.Buffers.Binary;
using System.Numerics;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// XXH64 (Yann Collet's xxHash, 64-bit variant; the specification in xxhash's doc/xxhash_spec.md), seed 0 unless given.
/// A non-cryptographic checksum: it catches corruption (any flipped bit changes it) at several GB/s, where SHA-256
/// took longer than fetching the blob from Redis. Checked against Debian's <c>xxhsum -H1</c>.
/// (System.IO.Hashing has one, but that package does not restore here.)
/// </summary>
public static class XxHash64
{
    private const ulong P1 = 0x9E3779B185EBCA87, P2 = 0xC2B2AE3D27D4EB4F, P3 = 0x165667B19E3779F9, P4 = 0x85EBCA77C2B2AE63, P5 = 0x27D4EB2F165667C5;

    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = 0) => Hash(data, [], seed);

    /// <summary>The hash of <paramref name="first"/> followed by <paramref name="second"/>, without copying them together.</summary>
    public static ulong Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ulong seed = 0)
    {
        ulong length = (ulong)first.Length + (ulong)second.Length;
        ulong h;
        Span<byte> seam = stackalloc byte[32];
        var rest = 0;                                   // bytes of the tail waiting in `seam`
        scoped ReadOnlySpan<byte> input = first;
        if (length >= 32)
        {
            ulong v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
            for (var part = 0; part < 2; part++, input = second)
            {
                if (rest > 0)
                {
                    // Complete the 32-byte stripe that straddles the two parts.
                    var take = Math.Min(32 - rest, input.Length);
                    input[..take].CopyTo(seam[rest..]);
                    rest += take;
                    input = input[take..];
                    if (rest < 32) continue;
                    Stripe(seam, ref v1, ref v2, ref v3, ref v4);
                    rest = 0;
                }
                while (input.Length >= 32)
                {
                    Stripe(input, ref v1, ref v2, ref v3, ref v4);
                    input = input[32..];
                }
                input.CopyTo(seam);
                rest = input.Length;
            }
            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = Merge(Merge(Merge(Merge(h, v1), v2), v3), v4);
            input = seam[..rest];
        }
        else
        {
            h = seed + P5;
            first.CopyTo(seam);
            second.CopyTo(seam[first.Length..]);
            input = seam[..(int)length];
        }
        h += length;
        while (input.Length >= 8)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(input));
            h = BitOperations.RotateLeft(h, 27) * P1 + P4;
            input = input[8..];
        }
        if (input.Length >= 4)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(input) * P1;
            h = BitOperations.RotateLeft(h, 23) * P2 + P3;
            input = input[4..];
        }
        foreach (var b in input)
        {
            h ^= b * P5;
            h = BitOperations.RotateLeft(h, 11) * P1;
        }
        h ^= h >> 33;
        h *= P2;
        h ^= h >> 29;
        h *= P3;
        h ^= h >> 32;
        return h;
    }

    private static void Stripe(ReadOnlySpan<byte> s, ref ulong v1, ref ulong v2, ref ulong v3, ref ulong v4)
    {
        v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(s));
        v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(s[8..]));
        v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(s[16..]));
        v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(s[24..]));
    }

    private static ulong Round(ulong acc, ulong input) => BitOperations.RotateLeft(acc + input * P2, 31) * P1;

    private static ulong Merge(ulong acc, ulong v) => (acc ^ Round(0, v)) * P1 + P4;
}
