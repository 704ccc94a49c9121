using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        var state = new State(seed);
        state.Append(data);
        return state.Finish();
    }

    /// <summary>The hash of <paramref name="first"/> followed by <paramref name="second"/>, without copying them together.</summary>
    public static ulong Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ulong seed = 0)
    {
        var state = new State(seed);
        state.Append(first);
        state.Append(second);
        return state.Finish();
    }

    /// <summary>
    /// A hash fed in pieces (so a caller can check each piece while it is in cache): the result equals
    /// <see cref="Hash(ReadOnlySpan{byte}, ulong)"/> of the pieces' concatenation, however they are cut.
    /// </summary>
    public struct State(ulong seed)
    {
        private ulong v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        private ulong length;
        private Stripe pending;          // bytes of an unfinished 32-byte stripe
        private int pendingCount;

        [InlineArray(32)]
        private struct Stripe
        {
            private byte first;
        }

        /// <remarks>Compiled optimised from the first call: every slot blob read runs it, and tiered compilation would
        /// otherwise run its loop unoptimised for a process's first requests.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Append(ReadOnlySpan<byte> data)
        {
            length += (ulong)data.Length;
            Span<byte> buffer = pending;
            if (pendingCount > 0)
            {
                var take = Math.Min(32 - pendingCount, data.Length);
                data[..take].CopyTo(buffer[pendingCount..]);
                pendingCount += take;
                data = data[take..];
                if (pendingCount < 32) return;
                Stripes(buffer);
                pendingCount = 0;
            }
            var whole = data.Length & ~31;
            if (whole > 0) Stripes(data[..whole]);
            data[whole..].CopyTo(buffer);
            pendingCount = data.Length - whole;
        }

        /// <summary>Consumes every 32-byte stripe of <paramref name="data"/> (a multiple of 32 bytes).</summary>
        private void Stripes(ReadOnlySpan<byte> data)
        {
            ulong a = v1, b = v2, c = v3, d = v4;
            ref byte p = ref MemoryMarshal.GetReference(data);
            for (nint i = 0, n = data.Length; i < n; i += 32)
            {
                a = Round(a, Read64(ref Unsafe.Add(ref p, i)));
                b = Round(b, Read64(ref Unsafe.Add(ref p, i + 8)));
                c = Round(c, Read64(ref Unsafe.Add(ref p, i + 16)));
                d = Round(d, Read64(ref Unsafe.Add(ref p, i + 24)));
            }
            (v1, v2, v3, v4) = (a, b, c, d);
        }

        public readonly ulong Finish()
        {
            ulong h = length >= 32
                ? Merge(Merge(Merge(Merge(BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
                                          + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18), v1), v2), v3), v4)
                : v3 + P5;                                                   // v3 = seed
            h += length;
            ReadOnlySpan<byte> rest = ((ReadOnlySpan<byte>)pending)[..pendingCount];
            while (rest.Length >= 8)
            {
                h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(rest));
                h = BitOperations.RotateLeft(h, 27) * P1 + P4;
                rest = rest[8..];
            }
            if (rest.Length >= 4)
            {
                h ^= BinaryPrimitives.ReadUInt32LittleEndian(rest) * P1;
                h = BitOperations.RotateLeft(h, 23) * P2 + P3;
                rest = rest[4..];
            }
            foreach (var x in rest)
            {
                h ^= x * P5;
                h = BitOperations.RotateLeft(h, 11) * P1;
            }
            h ^= h >> 33;
            h *= P2;
            h ^= h >> 29;
            h *= P3;
            h ^= h >> 32;
            return h;
        }
    }

    private static ulong Read64(ref byte p)
    {
        var x = Unsafe.ReadUnaligned<ulong>(ref p);
        return BitConverter.IsLittleEndian ? x : BinaryPrimitives.ReverseEndianness(x);
    }

    private static ulong Round(ulong acc, ulong input) => BitOperations.RotateLeft(acc + input * P2, 31) * P1;

    private static ulong Merge(ulong acc, ulong v) => (acc ^ Round(0, v)) * P1 + P4;
}
