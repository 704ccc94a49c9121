using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// The normalization rules SentencePiece compiles into NormalizerSpec.precompiled_charsmap
/// (nmt_nfkc, nfkc_cf, ...): a little-endian uint32 trie size, a darts-clone double-array
/// trie over UTF-8 bytes, then NUL-terminated replacement strings that the trie's values
/// point into. Using the compiled map, not .NET's NFKC, gives SentencePiece's exact output
/// (its rules also map tabs/newlines to spaces and drop control characters).
/// </summary>
public sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _normalized;
    // Replacement strings by offset, decoded once: a text hits the same few rules over and over.
    // Concurrent because one tokenizer serves many callers.
    private readonly ConcurrentDictionary<int, string> _replacements = new();

    public PrecompiledCharsMap(byte[] blob)
    {
        if (blob.Length < 4)
            throw new InvalidDataException("precompiled_charsmap is shorter than its size header");
        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize > (uint)(blob.Length - 4) || trieSize % 4 != 0 || trieSize == 0)
            throw new InvalidDataException($"precompiled_charsmap trie size {trieSize} does not fit its {blob.Length}-byte blob");
        _units = new uint[trieSize / 4];
        for (int i = 0; i < _units.Length; i++)
            _units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4 + 4 * i));
        _normalized = blob.AsSpan(4 + (int)trieSize).ToArray();
    }

    /// <summary>
    /// Longest rule matching a prefix of the byte string <paramref name="input"/> (darts-clone's
    /// commonPrefixSearch, keeping the longest hit). Returns the matched length in bytes
    /// (0: no rule) and the replacement as a byte string.
    /// </summary>
    public int LongestMatch(ReadOnlySpan<char> input, out string replacement)
    {
        replacement = "";
        int longest = 0, value = 0;
        uint nodePos = 0;
        uint unit = _units[0];
        nodePos ^= Offset(unit);
        for (int i = 0; i < input.Length; i++)
        {
            uint c = input[i]; // one byte per char
            nodePos ^= c;
            // Out of the array cannot happen in a well-formed trie; treat it as "no such key".
            if (nodePos >= (uint)_units.Length)
                break;
            unit = _units[nodePos];
            if (Label(unit) != c)
                break;
            nodePos ^= Offset(unit);
            if (HasLeaf(unit))
            {
                if (nodePos >= (uint)_units.Length)
                    throw new InvalidDataException("precompiled_charsmap trie points outside itself");
                longest = i + 1;
                value = (int)(_units[nodePos] & 0x7FFFFFFF);
            }
        }
        if (longest == 0)
            return 0;
        if (!_replacements.TryGetValue(value, out replacement!))
        {
            if (value >= _normalized.Length)
                throw new InvalidDataException("precompiled_charsmap rule points outside its replacement strings");
            var rest = _normalized.AsSpan(value);
            int end = rest.IndexOf((byte)0);
            if (end < 0)
                throw new InvalidDataException("precompiled_charsmap replacement string is not NUL-terminated");
            replacement = Utf8.ToByteString(rest[..end]);
            _replacements[value] = replacement;
        }
        return longest;
    }

    // darts-clone DoubleArrayUnit accessors.
    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);
    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
