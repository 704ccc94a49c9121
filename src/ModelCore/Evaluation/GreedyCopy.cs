using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>Greedy copies scored as autoencoding is: BLEU-4 and exact-match prefix against the copied sequence.</summary>
public sealed record GreedyCopyResult(Summary Bleu, Summary ExactPrefix);

/// <summary>Where the copy starts (see <see cref="GreedyCopy"/>).</summary>
public enum GreedyCopyLayout
{
    /// <summary>[BOS] S S₀ → S₁..: the first token given, the model carries on copying.</summary>
    Continue,
    /// <summary>S marker → S EOS: the whole of S written out again after a repeat marker (ICAE's [slots][AE] → text in tokens).</summary>
    Repeat,
}

/// <summary>
/// Can the model write a sequence out again when the whole sequence stands in its context? Each S is laid out as the
/// <see cref="GreedyCopyLayout"/> says, the model continues greedily (stopping early at EOS), and the copy is scored against
/// S (S₁.. for Continue) by <see cref="Evaluation.Bleu"/> and <see cref="PrefixMatch"/>.
/// </summary>
/// <remarks>
/// This is the ceiling of ICAE autoencoding with a frozen decoder: slots can at best hand the decoder the passage itself,
/// and the decoder then writes it out with this same greedy copying. The loss probe (<see cref="CopyProbe"/>) is
/// teacher-forced, so it forgives what greedy decoding does not: one wrong token sends a decoder that matches one token
/// back after the wrong earlier occurrence, and the copy does not come back.
/// </remarks>
public static class GreedyCopy
{
    public static async Task<GreedyCopyResult> MeasureAsync(Llama model, IReadOnlyList<int[]> sequences, GreedyCopyLayout layout,
                                                            int? marker = null, double scale = 1.0, int batch = 8,
                                                            CancellationToken ct = default)
    {
        if (sequences.Count == 0) throw new ArgumentException("the greedy copy needs at least one sequence");
        if (sequences.Any(s => s.Length < 2)) throw new ArgumentException("every sequence needs at least 2 tokens");
        if (layout == GreedyCopyLayout.Repeat && marker is null) throw new ArgumentException("the repeat layout needs a marker token");
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        int[] bos = model.Config.BosTokenId is int b ? [b] : [];
        (int[] Prompt, int[] Reference) Lay(int[] s) => layout == GreedyCopyLayout.Repeat ? ([.. s, marker!.Value], s) : ([.. bos, .. s, s[0]], s[1..]);
        var generator = new Generator(model);
        var bleu = new List<double>();
        var prefix = new List<double>();
        foreach (var chunk in sequences.Chunk(batch))
        {
            var laid = chunk.Select(Lay).ToArray();
            var options = new GenerationOptions { MaxTokens = laid.Max(l => l.Reference.Length), RopeScale = scale };
            var generated = await generator.GenerateAllAsync(laid.Select(l => l.Prompt).ToArray(), options, ct);
            for (var i = 0; i < laid.Length; i++)
            {
                var hypothesis = generated[i].Take(laid[i].Reference.Length).ToArray();
                bleu.Add(Evaluation.Bleu.Sentence(laid[i].Reference, hypothesis));
                prefix.Add(PrefixMatch.Fraction(laid[i].Reference, hypothesis));
            }
        }
        return new GreedyCopyResult(Summary.Of(bleu), Summary.Of(prefix));
    }
}
