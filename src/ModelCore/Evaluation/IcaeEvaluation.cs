using System.Diagnostics;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>The knobs of `memplat eval icae`; defaults are the protocol at a size that runs in minutes on 2 CPU cores.</summary>
public sealed record IcaeEvalOptions
{
    /// <summary>Passages per autoencoding length, windows per context multiple, task samples per span count.</summary>
    public int Samples { get; init; } = 20;
    public int Seed { get; init; }
    public IReadOnlyList<int> AutoencodeLengths { get; init; } = [64, 128, 256, 384, 512];
    public IReadOnlyList<SlotDType> AutoencodeFormats { get; init; } = [SlotDType.Float16, SlotDType.Int8];
    /// <summary>Context lengths of the continuation test, in spans (1x, 2x, 4x the span length).</summary>
    public IReadOnlyList<int> ContextMultiples { get; init; } = [1, 2, 4];
    public int ContinuationTokens { get; init; } = 128;
    /// <summary>Task samples are grouped by their span count: single-span, then multi-span.</summary>
    public IReadOnlyList<int> TaskSpans { get; init; } = [1, 2, 4, 8, 16];
    /// <summary>The slot format of the continuation and task tests (the platform stores fp16 by default).</summary>
    public SlotDType StoredFormat { get; init; } = SlotDType.Float16;
    public int EncodeBatch { get; init; } = 8;
    public int DecodeBatch { get; init; } = 8;
    public DType DType { get; init; } = DType.BFloat16;
    public Device Device { get; init; } = Device.Cpu;
    /// <summary>n &gt; 0: greedy decoding that never writes an n-gram of its own output twice (0: plain greedy, the protocol's).</summary>
    public int NoRepeatNgram { get; init; }
    /// <summary>m &gt; 0: an autoencoding may not end before m tokens (<see cref="GenerationOptions.MinTokens"/>; 0: the
    /// protocol's, ending wherever the decoder writes EOS; `icae reconstruct` and the platform decode with 1).</summary>
    public int AutoencodeMinTokens { get; init; }

    public void Validate()
    {
        static void Positive(string name, int value)
        {
            if (value < 1) throw new ArgumentException($"{name} must be at least 1, found {value}");
        }
        static void AllPositive(string name, IReadOnlyList<int> values)
        {
            if (values.Count == 0) throw new ArgumentException($"{name} is empty");
            foreach (var v in values) Positive(name, v);
        }
        Positive("--samples", Samples);
        Positive("--continuation-tokens", ContinuationTokens);
        Positive("--encode-batch", EncodeBatch);
        Positive("--decode-batch", DecodeBatch);
        if (NoRepeatNgram < 0) throw new ArgumentException($"--no-repeat-ngram must be at least 0, found {NoRepeatNgram}");
        if (AutoencodeMinTokens < 0 || AutoencodeMinTokens > AutoencodeLengths.DefaultIfEmpty(0).Min())
            throw new ArgumentException($"--min-tokens must be in 0..the shortest of --lengths, found {AutoencodeMinTokens}");
        AllPositive("--lengths", AutoencodeLengths);
        AllPositive("--contexts", ContextMultiples);
        AllPositive("--task-spans", TaskSpans);
        if (AutoencodeFormats.Count == 0) throw new ArgumentException("at least one slot format is needed for autoencoding");
    }
}

/// <summary>
/// The files an evaluation reads: the base model, one or more adapters over it, the test split, the task file, and
/// optionally the fine-tuned raw-context reference (a decoder-LoRA adapter) that answers the tasks' raw-context condition.
/// </summary>
public sealed record IcaeEvalInputs(string ModelDir, IReadOnlyList<string> AdapterDirs, string TestSplit, string TasksFile, string? RawReferenceDir = null);

/// <summary>Every table for one adapter.</summary>
public sealed record IcaeAdapterReport(
    string Adapter, string Fingerprint, int MemoryTokens, int SpanLength, int MaxDecoderPositions,
    IReadOnlyList<AutoencodingResult> Autoencoding, IReadOnlyList<FormatComparison> Int8VsFp16, IReadOnlyList<ContinuationResult> Continuation,
    IReadOnlyList<TaskAccuracyResult> Tasks, double Seconds);

public sealed record IcaeEvalReport(IReadOnlyList<IcaeAdapterReport> Adapters, double Seconds);

/// <summary>
/// `memplat eval icae`: autoencoding (<see cref="IcaeAutoencoding"/>), continuation perplexity
/// (<see cref="IcaeContinuation"/>) and task accuracy (<see cref="IcaeTaskAccuracy"/>) for each adapter over one base,
/// with greedy decoding and data drawn with a fixed seed. Every input is checked before the first model runs, and an
/// adapter trained on another base is refused before any adapter is evaluated.
/// </summary>
public static class IcaeEvaluation
{
    public static readonly IReadOnlyDictionary<string, string> Protocol = new Dictionary<string, string>
    {
        ["autoencoding"] = "N passages of the test split (random windows, one per document in a seeded order); each length uses prefixes of the same " +
                           "passages; a passage is cut into span_length spans, encoded into k slots per span, stored as an fp16 or int8 slot blob and " +
                           "read back; the decoder regenerates it from [slots][AE] greedily, stopping at EOS or after as many tokens as the passage has",
        ["bleu"] = Bleu.Definition,
        ["exact_prefix"] = PrefixMatch.Definition,
        ["continuation"] = "windows of max(contexts)*span_length + C tokens of the test split; the last C tokens are the continuation and the m*span_length " +
                           "tokens before them the context, so every m scores the same continuations; the decoder reads [context][continuation] " +
                           "(raw: the context's token embeddings; slots: its slots, stored in the stored format) and ppl = exp(mean NLL of the C tokens)",
        ["tasks"] = "the first N samples of the task file with exactly the given span count; the context is tokenized whole and cut into span_length " +
                    "spans; the decoder answers from [slots][FT] prompt, or with the context's token embeddings in place of the slots (raw: the " +
                    "adapter's [FT] row over the frozen base, or with --raw-reference that reference's decoder LoRA and [FT] row); " +
                    "greedy, at most answer tokens + 16; right when the output trimmed equals the answer; samples that do not fit the decoder are skipped",
        ["decoding"] = "greedy (temperature 0), no sampling; the E²-LLM scale follows the sequence length (IcaeModel.RopeScaleFor); " +
                       "with --no-repeat-ngram n > 0 (settings.no_repeat_ngram), a token that would repeat an n-gram of the output is skipped for the next best",
    };

    public static async Task<IcaeEvalReport> RunAsync(IcaeEvalInputs inputs, IcaeEvalOptions options, TextCodec? codec = null,
                                                      Action<string>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var watch = Stopwatch.StartNew();

        // ---- every input, before any model runs ----
        if (!Directory.Exists(inputs.ModelDir)) throw new DirectoryNotFoundException($"--model: no such directory: {Path.GetFullPath(inputs.ModelDir)}");
        if (!File.Exists(Path.Combine(inputs.ModelDir, "config.json")))
            throw new FileNotFoundException($"--model: {Path.GetFullPath(inputs.ModelDir)} has no config.json (an HF-layout model directory is needed)");
        if (inputs.AdapterDirs.Count == 0) throw new ArgumentException("--adapter: name at least one ICAE adapter directory");
        var configs = inputs.AdapterDirs.Select(dir =>
        {
            var config = AdapterConfig("--adapter", dir);
            if (config.DecoderLora)
                throw new ArgumentException($"--adapter {dir}: a raw-context reference (decoder_lora), not an ICAE adapter; pass it with --raw-reference");
            return config;
        }).ToArray();
        if (inputs.RawReferenceDir is { } referenceDir && !AdapterConfig("--raw-reference", referenceDir).DecoderLora)
            throw new ArgumentException($"--raw-reference {referenceDir}: an ICAE adapter, not a raw-context reference (make one with `train icae-finetune --raw-context`)");
        if (!File.Exists(inputs.TestSplit) && !Directory.Exists(inputs.TestSplit))
            throw new FileNotFoundException($"--file: no such file or directory: {Path.GetFullPath(inputs.TestSplit)}");
        var tasks = IcaeTaskAccuracy.Load(inputs.TasksFile);
        codec ??= TokenizerCodec(inputs.ModelDir);
        var documents = Perplexity.ReadDocuments(inputs.TestSplit).ToList();
        if (documents.Count == 0) throw new InvalidDataException($"--file: {Path.GetFullPath(inputs.TestSplit)} holds no documents");
        var text = new HeldOutText(documents, codec.Encode, options.Seed);
        Torch.ManualSeed((ulong)options.Seed);

        IReadOnlyList<int[]>? passages = null;
        var windows = new Dictionary<int, IReadOnlyList<int[]>>();   // by span length: the continuation windows
        var reports = new List<IcaeAdapterReport>();
        var greedy = IcaeEvalDecoder.Greedy with { NoRepeatNgram = options.NoRepeatNgram };
        using var reference = inputs.RawReferenceDir is { } r ? IcaeModel.Load(inputs.ModelDir, r, options.DType, options.Device) : null;
        for (var a = 0; a < inputs.AdapterDirs.Count; a++)
        {
            ct.ThrowIfCancellationRequested();
            var dir = inputs.AdapterDirs[a];
            var adapterWatch = Stopwatch.StartNew();
            using var model = IcaeModel.Load(inputs.ModelDir, dir, options.DType, options.Device);
            if (a == 0) CheckSameBase(model.BaseIdentityHex, inputs, configs);
            progress?.Invoke($"adapter {dir}: k {model.MemoryTokens}, span {model.Config.SpanLength}, decoder reads at most {model.MaxDecoderPositions} positions");

            passages ??= text.Windows(options.Samples, options.AutoencodeLengths.Max(), ct);
            var autoencoding = await IcaeAutoencoding.EvaluateAsync(model, passages, options.AutoencodeLengths, options.AutoencodeFormats,
                                                                    options.EncodeBatch, options.DecodeBatch, ct, progress,
                                                                    greedy with { MinTokens = options.AutoencodeMinTokens });

            var span = model.Config.SpanLength;
            if (!windows.TryGetValue(span, out var contexts))
                contexts = windows[span] = text.Windows(options.Samples, options.ContextMultiples.Max() * span + options.ContinuationTokens, ct);
            var continuation = IcaeContinuation.Evaluate(model, contexts, options.ContextMultiples, options.ContinuationTokens, options.StoredFormat,
                                                         options.EncodeBatch, options.DecodeBatch, ct, progress);

            var accuracy = new List<TaskAccuracyResult>();
            foreach (var spans in options.TaskSpans)
            {
                var (selected, available) = IcaeTaskAccuracy.Select(tasks, spans, options.Samples);
                var t = await IcaeTaskAccuracy.EvaluateAsync(model, codec, selected, spans, available, options.StoredFormat,
                                                             options.EncodeBatch, options.DecodeBatch, ct, reference, greedy);
                accuracy.Add(t);
                progress?.Invoke($"tasks with {spans} span(s): {t.Samples} of {t.Available} samples; slots {Show(t.WithSlots)}, raw context {Show(t.WithRawContext)}");
            }
            reports.Add(new IcaeAdapterReport(dir, model.Fingerprint.ToString(), model.MemoryTokens, span, model.MaxDecoderPositions,
                                              autoencoding, IcaeAutoencoding.Int8AgainstFp16(autoencoding), continuation, accuracy, adapterWatch.Elapsed.TotalSeconds));
        }
        return new IcaeEvalReport(reports, watch.Elapsed.TotalSeconds);
    }

    private static string Show(TaskScore s) =>
        s.Accuracy is double acc ? $"{acc:P0} of {s.Evaluated}" + (s.Skipped > 0 ? $" ({s.Skipped} skipped)" : "") : $"none evaluated ({s.Skipped} skipped)";

    private static IcaeConfig AdapterConfig(string option, string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{option}: no such directory: {Path.GetFullPath(dir)}");
        var config = IcaeConfig.Load(Path.Combine(dir, IcaeConfig.FileName));
        IcaeAdapterFile.FindWeights(dir);
        return config;
    }

    /// <summary>Every adapter must name the base the first one loaded against (IcaeModel.Load checks the first itself).</summary>
    private static void CheckSameBase(string identity, IcaeEvalInputs inputs, IcaeConfig[] configs)
    {
        for (var i = 1; i < configs.Length; i++)
            if (configs[i].BaseModel is { } expected && !string.Equals(expected, identity, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"--adapter {inputs.AdapterDirs[i]}: the adapter was trained on base model {expected}, " +
                                               $"but {Path.GetFullPath(inputs.ModelDir)} is {identity}");
    }

    private static TextCodec TokenizerCodec(string modelDir)
    {
        var path = Path.Combine(modelDir, "tokenizer.model");
        if (!File.Exists(path)) throw new FileNotFoundException($"--model: {Path.GetFullPath(path)} not found (the evaluation tokenizes text with the base model's tokenizer)");
        var tokenizer = Tokenizer.SentencePieceTokenizer.Load(path);
        return new TextCodec(t => tokenizer.Encode(t), ids => tokenizer.Decode(ids));
    }
}
