using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Tests.Models;

/// <summary>Small random Llama configurations for behavioural tests (numerical parity lives in LlamaReferenceTests).</summary>
internal static class TinyModels
{
    public static LlamaConfig Config(int kvHeads = 2, bool tied = false, int? slidingWindow = null) => new()
    {
        ModelType = slidingWindow is null ? "llama" : "mistral",
        HiddenSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = kvHeads,
        HeadDim = 16,
        IntermediateSize = 96,
        MaxPositionEmbeddings = 256,
        VocabSize = 101,
        TieWordEmbeddings = tied,
        SlidingWindow = slidingWindow,
        EosTokenIds = [2],
        BosTokenId = 1,
    };

    public static Llama Random(ulong seed = 1, DType dtype = DType.Float32, int kvHeads = 2, int? slidingWindow = null) =>
        Llama.Random(Config(kvHeads, slidingWindow: slidingWindow), seed, dtype, std: 0.1);

    public static Tensor Ids(params long[] ids) => Tensor.From(ids, 1, ids.Length);

    public static Tensor Positions(long start, long count) => Tensor.Arange(start, start + count).Unsqueeze(0);
}
