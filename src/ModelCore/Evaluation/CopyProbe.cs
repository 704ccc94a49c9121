using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>Mean cross-entropy on the first and on the second copy, and how often the second copy's next token is the argmax.</summary>
public sealed record CopyProbeResult(double First, double Second, double SecondAccuracy);

/// <summary>
/// Does the model copy from its context? Sequences S are fed as [BOS] S S. A model that copies predicts the second S
/// almost perfectly; one that does not scores both copies alike (ICAE's frozen decoder can read memory slots only if it
/// copies: DESIGN.md, ICAE notes). The first token of each copy is excluded: nothing in the context predicts it. At
/// RoPE scale <c>scale</c> = g neighbours sit 1/g apart, so the probe at g tells whether copying survives the resolution a
/// g·L-token prompt is read at.
/// </summary>
/// <remarks>
/// S comes from one of two sources: random ids (<see cref="Measure"/>: no language prior to lean on, so only copying
/// predicts the second S; <c>drawFrom</c> narrows the ids, to the digit pieces say), or held-out text
/// (<see cref="MeasureText"/>), whose repeated tokens ("the", ",") make copying ambiguous for heads that match one
/// token back. The text probe is the one ICAE's autoencoding depends on: a decoder that copies a passage at half its
/// tokens cannot reconstruct it from slots either.
/// </remarks>
public static class CopyProbe
{
    /// <summary>The probe on <paramref name="sequences"/> random sequences of <paramref name="length"/> ordinary ids.</summary>
    public static CopyProbeResult Measure(Llama model, IReadOnlySet<int> excludedIds, int sequences = 16, int length = 48,
                                          int seed = 0, bool bf16 = true, double scale = 1.0,
                                          IReadOnlyCollection<int>? drawFrom = null) =>
        MeasureText(model, Draw(model.Config, excludedIds, sequences, length, seed, drawFrom), bf16, scale);

    /// <summary><paramref name="sequences"/> random sequences of <paramref name="length"/> ids, none of them excluded.</summary>
    public static int[][] Draw(LlamaConfig config, IReadOnlySet<int> excludedIds, int sequences, int length, int seed,
                               IReadOnlyCollection<int>? drawFrom = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequences, 1);
        var allowed = (drawFrom ?? Enumerable.Range(0, config.VocabSize)).Where(id => !excludedIds.Contains(id)).ToArray();
        if (allowed.Length < 2) throw new ArgumentException("the probe needs at least 2 ordinary token ids");
        var random = new Random(seed);
        return [.. Enumerable.Range(0, sequences).Select(_ => Enumerable.Range(0, length).Select(_ => allowed[random.Next(allowed.Length)]).ToArray())];
    }

    /// <summary>The probe on the given sequences (all of one length, at least 2 tokens): held-out text windows, say.</summary>
    public static CopyProbeResult MeasureText(Llama model, IReadOnlyList<int[]> sequences, bool bf16 = true, double scale = 1.0)
    {
        if (sequences.Count == 0) throw new ArgumentException("the probe needs at least one sequence");
        var length = sequences[0].Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        if (sequences.Any(s => s.Length != length)) throw new ArgumentException("the probe's sequences must all have one length");
        if (!(scale >= 1)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the RoPE scale must be at least 1");
        var vocab = model.Config.VocabSize;
        if (sequences.Any(s => s.Any(id => id < 0 || id >= vocab))) throw new ArgumentException($"a probe sequence holds an id outside [0, {vocab})");
        var count = sequences.Count;
        var bos = model.Config.BosTokenId;
        var prefix = bos is null ? 0 : 1;
        var total = prefix + 2 * length;
        var ids = new long[count * total];
        for (var s = 0; s < count; s++)
        {
            if (prefix == 1) ids[s * total] = bos!.Value;
            for (var i = 0; i < length; i++)
                ids[s * total + prefix + i] = ids[s * total + prefix + length + i] = sequences[s][i];
        }

        using var noGrad = Autograd.NoGrad();
        using var autocast = bf16 ? Autocast.Enable(DType.BFloat16) : new ModeRestorer(() => { });
        using var scope = TensorScope.Begin();
        var input = Tensor.From(ids, count, total).To(model.Device);
        var positions = Tensor.Arange(total).Unsqueeze(0).Expand(count, total).To(model.Device);
        var logits = model.Logits(model.Forward(model.Embed(input), positions, model.RopeFor(total, scale)));   // [N, T, V]
        // Token k is predicted at position k − 1.
        var predicted = logits.Narrow(1, 0, total - 1).Reshape(-1, vocab);
        var targets = input.Narrow(1, 1, total - 1).Reshape(-1);
        var losses = Functional.CrossEntropy(predicted, targets, reduction: Reduction.None).View(count, total - 1).ToArray<float>();
        var argmax = predicted.ArgMax(-1).ToArray<long>();
        double first = 0, second = 0, hits = 0;
        for (var s = 0; s < count; s++)
            for (var i = 1; i < length; i++)
            {
                var at = s * (total - 1) + prefix + length + i - 1;
                first += losses[s * (total - 1) + prefix + i - 1];
                second += losses[at];
                if (argmax[at] == ids[s * total + prefix + length + i]) hits++;
            }
        var n = (double)count * (length - 1);
        return new CopyProbeResult(first / n, second / n, hits / n);
    }

    /// <summary>Ids a probe must not draw: unk (0 by SentencePiece convention), BOS, EOS and padding.</summary>
    public static HashSet<int> SpecialIds(LlamaConfig config)
    {
        var ids = new HashSet<int> { 0 };
        if (config.BosTokenId is int bos) ids.Add(bos);
        foreach (var eos in config.EosTokenIds) ids.Add(eos);
        if (config.PadTokenId is int pad) ids.Add(pad);
        return ids;
    }
}
