using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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
    /// <remarks>
    /// libtorch's kernels use <paramref name="threads"/> threads (0: every core of the machine, unless OMP_NUM_THREADS
    /// says otherwise); left alone, Debian's libtorch takes one, half of this 2-core machine. The setting holds for every
    /// thread that starts using libtorch afterwards, the model grain's <see cref="DeviceThread"/> included.
    /// The load runs on a thread of its own that ends with it: libtorch keeps an OpenMP team for every thread that
    /// ran a parallel kernel until that thread exits, and a team left on the caller's (a host's startup thread) would sit
    /// beside the model grain's and slow every encode by 10-15% on a 2-core machine.
    /// </remarks>
    public static IcaeMemoryModel Load(string modelDir, string adapterDir, string device, int threads = 0)
    {
        IcaeMemoryModel? model = null;
        ExceptionDispatchInfo? error = null;
        var loader = new Thread(() =>
        {
            try
            {
                if (threads > 0) Torch.Threads = threads;
                else if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null) Torch.Threads = Environment.ProcessorCount;
                var parsed = Device.Parse(device);
                parsed.EnsureAvailable();
                var icae = IcaeModel.Load(modelDir, adapterDir, DType.BFloat16, parsed);
                if (icae.Config.DecoderLora)
                {
                    icae.Dispose();
                    throw new InvalidDataException($"{adapterDir}: a raw-context reference (decoder_lora in its {IcaeConfig.FileName}), not an ICAE adapter: it encodes no slots");
                }
                model = new IcaeMemoryModel(icae);
                _ = model.Fingerprint;   // hashes the weights through libtorch: here, not on whichever thread asks first
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        }) { Name = "model load" };
        loader.Start();
        loader.Join();
        error?.Throw();
        return model!;
    }

    public ModelFingerprint Fingerprint => icae.Fingerprint;
    public int SpanLength => icae.Config.SpanLength;
    public int SlotsPerSpan => icae.MemoryTokens;
    public int HiddenSize => icae.HiddenSize;
    // The layout's fixed markers (decoder prefix, chat markers) take their positions in every answer; what is left is the
    // query's, whose [slots][FT] prompt answer the document grain counts itself.
    public int MaxDecoderPositions => icae.MaxDecoderPositions - (int)(icae.InputLength(IcaeLayout.FineTuned, slots: 0, text: 0) - 1);

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
