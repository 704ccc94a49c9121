using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class CopyProbeTests
{
    [Fact]
    public void Second_copy_accuracy_counts_the_argmax_hits_of_the_second_copy()
    {
        using var model = TinyModels.Random(seed: 3);
        var random = new Random(5);
        int[][] sequences = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 10).Select(_ => random.Next(3, 101)).ToArray())];

        var r = CopyProbe.MeasureText(model, sequences, bf16: false);

        // Independently: the argmax after each second-copy token but the last, against the token that follows it.
        double hits = 0, second = 0;
        foreach (var s in sequences)
        {
            long[] ids = [1, .. s.Select(i => (long)i), .. s.Select(i => (long)i)];
            using var scope = TensorScope.Begin();
            var logits = model.Logits(model.Forward(model.Embed(TinyModels.Ids(ids)), TinyModels.Positions(0, ids.Length), model.RopeFor(ids.Length)));
            var predicted = logits.Select(0, 0).ArgMax(-1).ToArray<long>();
            var losses = Functional.CrossEntropy(logits.Select(0, 0).Narrow(0, 0, ids.Length - 1), Tensor.From(ids[1..]), reduction: Reduction.None).ToArray<float>();
            for (var i = 1; i < s.Length; i++)
            {
                var at = 1 + s.Length + i;             // position of second-copy token i
                if (predicted[at - 1] == ids[at]) hits++;
                second += losses[at - 1];
            }
        }
        var n = sequences.Length * 9.0;
        Assert.Equal(hits / n, r.SecondAccuracy, 9);
        Assert.Equal(second / n, r.Second, 4);
        Assert.InRange(r.SecondAccuracy, 0, 1);
    }

    [Fact]
    public void Sequences_of_different_lengths_or_ids_outside_the_vocabulary_are_refused()
    {
        using var model = TinyModels.Random();
        Assert.Contains("one length", Assert.Throws<ArgumentException>(() => CopyProbe.MeasureText(model, [[5, 6, 7], [5, 6]])).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => CopyProbe.MeasureText(model, [[5, 6, 700]])).Message);
        Assert.Throws<ArgumentException>(() => CopyProbe.MeasureText(model, []));
    }
}
