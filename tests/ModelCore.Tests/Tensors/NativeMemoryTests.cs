using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Tensors;

[CollectionDefinition(nameof(MemorySensitive), DisableParallelization = true)]
public class MemorySensitive;

/// <summary>Scopes and SafeHandles free every temporary: resident memory stays flat over long loops.</summary>
[Collection(nameof(MemorySensitive))]
public class NativeMemoryTests
{
    [Fact]
    public void Ten_thousand_mlp_training_steps_keep_resident_memory_flat()
    {
        Torch.ManualSeed(0);
        var w1 = Tensor.Randn([64, 32]).Mul(0.1);
        var w2 = Tensor.Randn([1, 64]).Mul(0.1);
        w1.RequiresGrad = w2.RequiresGrad = true;
        using var opt = new AdamW([w1, w2], new AdamWOptions(LearningRate: 1e-3));
        var x = Tensor.Randn([16, 32]);
        var y = Tensor.Randn([16, 1]);

        float Step()
        {
            using var scope = TensorScope.Begin();
            var h = Functional.Silu(x.Linear(w1));
            var loss = (h.Linear(w2) - y).Pow(2).Mean();
            loss.Backward();
            GradientClipping.ClipByGlobalNorm([w1, w2], 1.0);
            opt.StepOnce();
            opt.ZeroGrad();
            return loss.Item<float>();
        }

        var first = 0f;
        for (var i = 0; i < 1000; i++) first = i == 0 ? Step() : first + 0 * Step();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ResidentBytes();
        var last = 0f;
        for (var i = 0; i < 10_000; i++) last = Step();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var growth = ResidentBytes() - before;
        Assert.True(growth < 50L << 20, $"resident memory grew by {growth >> 20} MB over 10,000 steps");
        Assert.True(last < first, $"the MLP should learn: first loss {first}, last {last}");
        w1.Dispose();
        w2.Dispose();
        x.Dispose();
        y.Dispose();
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
