using System.Runtime.CompilerServices;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.Grains.Models;

/// <summary>
/// The silo's model: ModelCore's ICAE (encoder = base + LoRA + memory tokens, decoder = the frozen base) with the
/// base model's SentencePiece tokenizer. Owns the IcaeModel. The tokenizer is pure C# and independent of device
/// state, so the model grain may tokenize while a generation runs.
/// </summary>
public sealed class IcaeMemoryModel : IMemoryModel
{
    private readonly IcaeModel icae;
    private readonly SentencePieceTokenizer tokenizer;

    public IcaeMemoryModel(IcaeModel icae)
    {
        this.icae = icae;
        tokenizer = icae.Tokenizer ?? throw new InvalidDataException("the base model directory has no tokenizer.model; the platform needs one to tokenize documents");
    }

    /// <summary>Loads base + adapter in bf16 on <paramref name="device"/>: weights in bf16 compute in bf16 without autocast
    /// (which is thread-local and would not follow the model grain's continuations).</summary>
    public static IcaeMemoryModel Load(string modelDir, string adapterDir, string device)
    {
        var parsed = Device.Parse(device);
        parsed.EnsureAvailable();
        return new IcaeMemoryModel(IcaeModel.Load(modelDir, adapterDir, DType.BFloat16, parsed));
    }

    public ModelFingerprint Fingerprint => icae.Fingerprint;
    public int SpanLength => icae.Config.SpanLength;
    public int SlotsPerSpan => icae.MemoryTokens;
    public int HiddenSize => icae.HiddenSize;
    public int MaxDecoderPositions => icae.MaxDecoderPositions;

    public int RopeScaleFor(int positions) => icae.RopeScaleFor(positions);

    public int[] Tokenize(string text) => tokenizer.Encode(text);

    public string Detokenize(IReadOnlyList<int> ids) => tokenizer.Decode(ids);

    public IReadOnlyList<float[]> EncodeSpans(IReadOnlyList<int[]> spans, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (spans.Count == 0) return [];
        using var slots = icae.Encode(spans);                                  // [B, k, d] float32
        var all = slots.ToArray<float>();
        var size = SlotsPerSpan * HiddenSize;
        return [.. Enumerable.Range(0, spans.Count).Select(i => all.AsSpan(i * size, size).ToArray())];
    }

    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<MemoryPrompt> batch, GenerationOptions options,
                                                                [EnumeratorCancellation] CancellationToken ct)
    {
        var prompts = new List<IcaePrompt>(batch.Count);
        var tensors = new List<Tensor>();
        try
        {
            foreach (var request in batch)
            {
                var blocks = request.Memory.Select(m => m.ToTensor()).ToArray();   // [k, d] each, float16 as stored (the decoder casts once)
                tensors.AddRange(blocks);
                prompts.Add(request.Task switch
                {
                    MemoryTask.Reconstruct => IcaePrompt.AutoEncode(blocks),
                    MemoryTask.Answer => IcaePrompt.Ask(blocks, Tokenize(request.Prompt ?? "")),
                    _ => throw new ArgumentOutOfRangeException(nameof(batch), request.Task, "unknown memory task"),
                });
            }
            await foreach (var token in icae.GenerateAsync(prompts, options, ct).ConfigureAwait(false)) yield return token;
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }

    public void Dispose() => icae.Dispose();
}
