namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// Token windows drawn from held-out documents (a test split) for evaluations that need passages of a fixed length.
/// Documents are visited in an order shuffled by Random(seed), one window per document, wrapping around when more
/// windows than documents are asked for; each window starts at a random token of its document. Documents shorter than
/// the window are passed over. Tokenization (no BOS: a window is a piece of running text) is lazy and cached, so a
/// small request reads only a few documents of a big split. The same seed, length and count give the same windows.
/// </summary>
public sealed class HeldOutText
{
    private readonly IReadOnlyList<string> documents;
    private readonly Func<string, int[]> encode;
    private readonly int seed;
    private readonly int[] order;
    private readonly Dictionary<int, int[]> tokens = new();

    public HeldOutText(IReadOnlyList<string> documents, Func<string, int[]> encode, int seed)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(encode);
        if (documents.Count == 0) throw new ArgumentException("the held-out split has no documents");
        this.documents = documents;
        this.encode = encode;
        this.seed = seed;
        order = Enumerable.Range(0, documents.Count).ToArray();
        new Random(seed).Shuffle(order);
    }

    public int Documents => documents.Count;

    /// <summary><paramref name="count"/> windows of exactly <paramref name="length"/> tokens.</summary>
    public IReadOnlyList<int[]> Windows(int count, int length, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        // A seed of its own per length (HashCode.Combine would differ between processes): stable windows per length.
        var random = new Random(unchecked(seed * 1_000_003 + length));
        var windows = new List<int[]>();
        var misses = 0;
        for (var i = 0; windows.Count < count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var doc = Tokens(order[i % order.Length]);
            if (doc.Length < length)
            {
                if (++misses >= order.Length && windows.Count == 0)
                    throw new InvalidDataException($"no held-out document has {length} tokens (the longest has {order.Max(d => Tokens(d).Length)})");
                continue;
            }
            var start = random.Next(doc.Length - length + 1);
            windows.Add(doc[start..(start + length)]);
        }
        return windows;
    }

    private int[] Tokens(int doc)
    {
        if (!tokens.TryGetValue(doc, out var ids)) ids = tokens[doc] = encode(documents[doc]);
        return ids;
    }
}
