using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Tests.Training;

namespace MemoryPlatform.ModelCore.Tests.Icae;

/// <summary>A Mistral-style tiny base (d 64, 2 layers, 4 heads, 2 KV heads: GQA) with small ICAE adapters.</summary>
internal static class IcaeFixtures
{
    public static IcaeConfig Config(int k = 4, int span = 8, int rank = 4) => new()
    {
        MemoryTokens = k, SpanLength = span,
        Lora = new LoraConfig { Rank = rank, Alpha = 8, Dropout = 0.05 },
    };

    /// <summary>A fresh adapter whose B matrices are made non-zero, so the LoRA path actually changes the encoder.</summary>
    public static IcaeModel Model(ulong seed = 1, DType dtype = DType.Float32, IcaeConfig? config = null, bool activeLora = true)
    {
        var model = IcaeModel.Create(TinyModels.Random(seed, dtype, kvHeads: 2), config ?? Config(), seed, encode: TrainingFixtures.Encode);
        if (activeLora) RandomizeB(model, seed);
        return model;
    }

    public static void RandomizeB(IcaeModel model, ulong seed)
    {
        var random = new Random((int)seed);
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        foreach (var (_, _, lora) in model.Adapter.Updates())
        {
            var values = Enumerable.Range(0, (int)lora.B.NumElements).Select(_ => (float)(random.NextDouble() - 0.5) * 0.5f).ToArray();
            lora.B.CopyFrom(Tensor.From(values, lora.B.Shape).To(lora.B.DType));
        }
        model.AdapterChanged();
    }

    public static int[] Tokens(int count, int seed) =>
        Enumerable.Range(0, count).Select(i => 3 + (i * 37 + seed * 11) % 97).ToArray();

    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = TensorScope.Begin();
        return a.To(DType.Float32).Sub(b.To(DType.Float32)).Abs().Max().Item<float>();
    }
}
