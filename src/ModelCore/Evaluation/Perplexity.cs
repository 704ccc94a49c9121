using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>Perplexity at one length: exp(mean NLL) over <see cref="Tokens"/> scored tokens of <see cref="Documents"/> documents.</summary>
public sealed record PerplexityResult(int Length, double Ppl, long Tokens, int Scale, int Documents);

/// <summary>
/// Perplexity against context length (shared/reference/e2llm.md, "one pass per document"): a fixed set of documents
/// at least as long as the longest length is truncated to each length; each document is read in one causal pass at
/// contiguous positions 0..length−1 with RoPE scale g, and every token from the 2nd is scored.
/// The pass is fed in chunks through a KV cache: the result equals one forward pass (each query still sees every
/// earlier key), but attention scores take [chunk × length] memory instead of [length × length], which is what
/// lets 16k-token documents fit. One document at a time; no gradients; bf16 autocast unless told otherwise.
/// </summary>
public static class Perplexity
{
    public const string Protocol =
        "one pass per document: the same documents (at least as long as the longest length) truncated to each length, " +
        "BOS + text, contiguous positions 0..length-1 at RoPE scale g, every token from the 2nd scored, ppl = exp(mean NLL), bf16 autocast";

    public const int DefaultChunk = 1024;

    /// <summary>Perplexity of the first <paramref name="length"/> tokens of each document (each must have that many).</summary>
    public static PerplexityResult Measure(Llama model, IReadOnlyList<int[]> documents, int length, int scale, bool bf16 = true, int chunk = DefaultChunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        if (documents.Count == 0) throw new ArgumentException("perplexity needs at least one document");
        double nll = 0;
        long count = 0;
        foreach (var doc in documents)
        {
            if (doc.Length < length) throw new ArgumentException($"a document of {doc.Length} tokens is shorter than the length {length}");
            var (sum, n) = Score(model, doc.AsSpan(0, length), scale, bf16, chunk);
            nll += sum;
            count += n;
        }
        return new PerplexityResult(length, Math.Exp(nll / count), count, scale, documents.Count);
    }

    /// <summary>Summed NLL (nats) of tokens 1..n−1 of <paramref name="tokens"/> given their prefixes, and the count n − 1.</summary>
    public static (double Nll, long Count) Score(Llama model, ReadOnlySpan<int> tokens, int scale, bool bf16 = true, int chunk = DefaultChunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens.Length, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        var total = tokens.Length;
        var vocab = model.Config.VocabSize;
        using var noGrad = Autograd.NoGrad();
        using var autocast = bf16 ? Autocast.Enable(DType.BFloat16) : new ModeRestorer(() => { });
        using var cache = new KvCache(model.Config.NumHiddenLayers, total);
        var rope = model.RopeFor(total, scale);
        double nll = 0;
        for (var start = 0; start < total - 1; start += chunk)
        {
            using var scope = TensorScope.Begin();
            var n = Math.Min(chunk, total - start);
            var ids = new long[n];
            for (var i = 0; i < n; i++) ids[i] = tokens[start + i];
            var input = Tensor.From(ids, 1, n).To(model.Device);
            var positions = Tensor.From(E2LlmPositions.Contiguous(start, n), 1, n).To(model.Device);
            var hidden = model.Forward(model.Embed(input), positions, rope, cache: cache);        // [1, n, d]
            // Position p predicts token p + 1; the document's last position predicts nothing.
            var scored = Math.Min(n, total - 1 - start);
            var targets = new long[scored];
            for (var i = 0; i < scored; i++) targets[i] = tokens[start + 1 + i];
            var logits = model.Logits(hidden.Narrow(1, 0, scored)).Reshape(-1, vocab);            // [scored, V] float32
            var loss = Functional.CrossEntropy(logits, Tensor.From(targets).To(model.Device), reduction: Reduction.Sum);
            nll += loss.Item<float>();
        }
        return (nll, total - 1);
    }

    /// <summary>
    /// The documents an evaluation uses: in order, each tokenized (BOS + text), kept when it has at least
    /// <paramref name="minTokens"/> tokens, until <paramref name="maxDocuments"/> are kept. Tokenizes lazily, so a
    /// small maximum reads only the start of a big split.
    /// </summary>
    public static List<int[]> SelectDocuments(IEnumerable<string> texts, Func<string, int[]> encode, int minTokens, int? maxDocuments = null)
    {
        var kept = new List<int[]>();
        foreach (var text in texts)
        {
            if (maxDocuments is int max && kept.Count >= max) break;
            var ids = encode(text);
            if (ids.Length >= minTokens) kept.Add(ids);
        }
        return kept;
    }

    /// <summary>Documents of a split file (separated by `&lt;|doc|&gt;` lines) or of every .txt file in a directory, in name order.</summary>
    public static IEnumerable<string> ReadDocuments(string path)
    {
        if (Directory.Exists(path))
            return Directory.GetFiles(path, "*.txt").Order(StringComparer.Ordinal).SelectMany(f => TokenDataset.SplitDocuments(File.ReadAllText(f)));
        if (File.Exists(path)) return TokenDataset.SplitDocuments(File.ReadAllText(path));
        throw new FileNotFoundException($"no such file or directory: {path}");
    }
}
