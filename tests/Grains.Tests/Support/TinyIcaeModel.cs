using MemoryPlatform.Grains.Models;
using MemoryPlatform.ModelCore.Data;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Grains.Tests.Support;

/// <summary>
/// A real ICAE model on disk, small enough for tests: a SentencePiece tokenizer trained by Debian's spm_train, a
/// random tiny Llama base (d 64, 2 layers, GQA) and a fresh adapter (k = 4 slots per 16-token span) with non-zero
/// LoRA. Silos load it with <see cref="IcaeMemoryModel.Load"/>, exactly as production silos load the default model.
/// </summary>
public sealed class TinyIcaeModel : IDisposable
{
    public string ModelDir { get; }
    public string AdapterDir { get; }

    public TinyIcaeModel()
    {
        var root = Directory.CreateTempSubdirectory("memplat-icae-").FullName;
        ModelDir = Path.Combine(root, "model");
        AdapterDir = Path.Combine(ModelDir, "icae");
        Directory.CreateDirectory(ModelDir);
        var corpus = Path.Combine(root, "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 400).Select(Sentence));
        var result = ProcessRunner.Run("spm_train", [$"--input={corpus}", $"--model_prefix={Path.Combine(ModelDir, "tokenizer")}",
            "--vocab_size=300", "--model_type=bpe", "--byte_fallback=true", "--character_coverage=1.0"], timeout: TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0) throw new InvalidOperationException("spm_train failed: " + result.StdErr);

        var config = new LlamaConfig
        {
            ModelType = "mistral", HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 16,
            IntermediateSize = 96, MaxPositionEmbeddings = 512, VocabSize = 300, EosTokenIds = [2], BosTokenId = 1,
        };
        using var icae = IcaeModel.Create(Llama.Random(config, seed: 5, DType.Float32, std: 0.1),
            new IcaeConfig { MemoryTokens = 4, SpanLength = 16, Lora = new LoraConfig { Rank = 4, Alpha = 8 } }, seed: 5);
        using (Autograd.NoGrad())
            foreach (var (_, _, lora) in icae.Adapter.Updates())
                using (var b = Tensor.From(Enumerable.Range(0, (int)lora.B.NumElements).Select(i => (float)Math.Sin(i) * 0.2f).ToArray(), lora.B.Shape))
                    lora.B.CopyFrom(b.To(lora.B.DType));
        icae.AdapterChanged();
        icae.Base.Save(ModelDir);
        icae.SaveAdapter(AdapterDir);
    }

    public IMemoryModel Load() => IcaeMemoryModel.Load(ModelDir, AdapterDir, "cpu");

    /// <summary>Plain English-like sentences, varied by index.</summary>
    public static string Sentence(int i)
    {
        string[] subjects = ["The keeper", "A sailor", "The old ship", "Her daughter", "The light", "A storm"];
        string[] verbs = ["watched", "carried", "found", "lit", "crossed", "remembered"];
        string[] objects = ["the harbour", "nine sailors", "the stone wall", "a silver clock", "the narrow stair", "the northern reef"];
        return $"{subjects[i % 6]} {verbs[i / 6 % 6]} {objects[i / 36 % 6]} in {1850 + i % 97}.";
    }

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(ModelDir)!, recursive: true); } catch (IOException) { }
    }
}
