using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MemoryPlatform.ModelCore.Data;

public enum CorpusSplit { Train, Validation, Test }

/// <summary>Split settings; every value is written to the manifest.</summary>
public sealed record SplitSettings
{
    /// <summary>Base context window of the default model, in tokens.</summary>
    public int BaseWindowTokens { get; init; } = 512;
    /// <summary>Long-context evaluation goes to 16 × the base window.</summary>
    public int LongContextFactor { get; init; } = 16;
    /// <summary>Tokens are approximated as characters / 4 when deciding what is long.</summary>
    public int CharsPerToken { get; init; } = 4;
    /// <summary>Of every 1000 hash buckets, this many go to train and validation; the rest to test.</summary>
    public int TrainPerMille { get; init; } = 900;
    public int ValidationPerMille { get; init; } = 50;
    /// <summary>Share of long documents kept whole in test (the rest go, whole, to train)...</summary>
    public double LongTestShare { get; init; } = 0.25;
    /// <summary>...but never fewer than this many (or all of them, if there are fewer).</summary>
    public int MinLongTest { get; init; } = 10;

    public int LongDocChars => BaseWindowTokens * LongContextFactor * CharsPerToken;
}

/// <summary>
/// Deterministic split by document. Ordinary documents: SHA-256 of "source\nid" picks one of
/// 1000 buckets (90/5/5). Long documents (≥ LongDocChars): sorted by the same hash, the first
/// max(ceil(share·n), MinLongTest) go whole to test, the others whole to train.
/// </summary>
public static class CorpusSplitter
{
    public static ulong StableHash(string source, string id)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{source}\n{id}"));
        return BinaryPrimitives.ReadUInt64BigEndian(digest);
    }

    public static CorpusSplit ShortSplit(ulong hash, SplitSettings s)
    {
        var bucket = (int)(hash % 1000);
        if (bucket < s.TrainPerMille) return CorpusSplit.Train;
        return bucket < s.TrainPerMille + s.ValidationPerMille ? CorpusSplit.Validation : CorpusSplit.Test;
    }

    public static bool IsLong(string text, SplitSettings s) => text.Length >= s.LongDocChars;

    public static int LongTestCount(int longDocs, SplitSettings s) =>
        Math.Min(longDocs, Math.Max((int)Math.Ceiling(s.LongTestShare * longDocs), s.MinLongTest));

    /// <summary>Split of each document (same order as <paramref name="docs"/>) and whether it is a long test document.</summary>
    public static (CorpusSplit Split, bool LongTest)[] Assign(IReadOnlyList<CorpusDocument> docs, SplitSettings s)
    {
        var result = new (CorpusSplit, bool)[docs.Count];
        var longDocs = new List<(ulong Hash, int Index)>();
        for (var i = 0; i < docs.Count; i++)
        {
            var hash = StableHash(docs[i].Source, docs[i].Id);
            if (IsLong(docs[i].Text, s)) longDocs.Add((hash, i));
            else result[i] = (ShortSplit(hash, s), false);
        }
        // Ties on a 64-bit hash are practically impossible; the index breaks them deterministically anyway.
        longDocs.Sort();
        var toTest = LongTestCount(longDocs.Count, s);
        for (var k = 0; k < longDocs.Count; k++)
            result[longDocs[k].Index] = k < toTest ? (CorpusSplit.Test, true) : (CorpusSplit.Train, false);
        return result;
    }
}
