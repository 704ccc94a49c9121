using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>Mean cross-entropy on the first and on the second copy of repeated random sequences.</summary>
public sealed record CopyProbeResult(double First, double Second);

/// <summary>
/// Does the model copy from its context? Random token sequences S (no special ids) are fed as [BOS] S S.
/// A model that copies predicts the second S almost perfectly; one that does not scores both copies alike
/// (ICAE's frozen decoder can read memory slots only if it copies: DESIGN.md, ICAE notes). The first token
/// of each copy is excluded: nothing in the context predicts it. At RoPE scale <c>scale</c> = g neighbours sit 1/g apart,
/// so the probe at g tells whether copying survives the resolution a g·L-token prompt is read at. <c>drawFrom</c> narrows
/// the ids drawn (the digit pieces, say: a model can copy random ids and still not tell digits apart).
/// </summary>
public static class CopyProbe
{
    public static CopyProbeResult Measure(Llama model, IReadOnlySet<int> excludedIds, int sequences = 16, int length = 48,
                                          int seed = 0, bool bf16 = true, double scale = 1.0,
                                          IReadOnlyCollection<int>? drawFrom = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequences, 1);
        if (!(scale >= 1)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the RoPE scale must be at least 1");
        var vocab = model.Config.VocabSize;
        var allowed = (drawFrom ?? Enumerable.Range(0, vocab)).Where(id => !excludedIds.Contains(id)).ToArray();
        if (allowed.Length < 2) throw new ArgumentException("the probe needs at least 2 ordinary token ids");
        var bos = model.Config.BosTokenId;
        var prefix = bos is null ? 0 : 1;
        var total = prefix + 2 * length;
        var random = new Random(seed);
        var ids = new long[sequences * total];
        for (var s = 0; s < sequences; s++)
        {
            if (prefix == 1) ids[s * total] = bos!.Value;
            for (var i = 0; i < length; i++)
            {
                long id = allowed[random.Next(allowed.Length)];
                ids[s * total + prefix + i] = id;
                ids[s * total + prefix + length + i] = id;
            }
        }

        using var noGrad = Autograd.NoGrad();
        using var autocast = bf16 ? Autocast.Enable(DType.BFloat16) : new ModeRestorer(() => { });
        using var scope = TensorScope.Begin();
        var input = Tensor.From(ids, sequences, total).To(model.Device);
        var positions = Tensor.Arange(total).Unsqueeze(0).Expand(sequences, total).To(model.Device);
        var logits = model.Logits(model.Forward(model.Embed(input), positions, model.RopeFor(total, scale)));   // [N, T, V]
        // Token k is predicted at position k − 1.
        var predicted = logits.Narrow(1, 0, total - 1).Reshape(-1, vocab);
        var targets = input.Narrow(1, 1, total - 1).Reshape(-1);
        var losses = Functional.CrossEntropy(predicted, targets, reduction: Reduction.None).View(sequences, total - 1).ToArray<float>();
        double first = 0, second = 0;
        for (var s = 0; s < sequences; s++)
            for (var i = 1; i < length; i++)
            {
                first += losses[s * (total - 1) + prefix + i - 1];
                second += losses[s * (total - 1) + prefix + length + i - 1];
            }
        var n = (double)sequences * (length - 1);
        return new CopyProbeResult(first / n, second / n);
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
