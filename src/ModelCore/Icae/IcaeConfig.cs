using System.Text;
using System.Text.Json;
using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>LoRA hyper-parameters (Hu et al. 2021): y = Wx + (α/r)·B(Ax) on the target projections of every layer.</summary>
public sealed record LoraConfig
{
    public int Rank { get; init; } = 128;
    public double Alpha { get; init; } = 32;
    /// <summary>Dropout on the LoRA input during training only (PEFT's lora_dropout).</summary>
    public double Dropout { get; init; } = 0.05;
    /// <summary>Short projection names (PEFT's target_modules): q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj.</summary>
    public IReadOnlyList<string> Targets { get; init; } = ["q_proj", "v_proj"];

    public double Scaling => Alpha / Rank;

    public IReadOnlyList<Projection> TargetProjections => Targets.Select(ProjectionNames.Parse).ToArray();
}

/// <summary>
/// Chat markers around the fine-tuned layout (ICAE v2 on Mistral-Instruct: <c>&lt;s&gt; [INST]</c> before the
/// slots, <c> [/INST]</c> after the prompt). The strings are tokenized with the base model's tokenizer.
/// </summary>
public sealed record ChatMarkers(string Prefix, string Suffix, bool Bos = true);

/// <summary>
/// The ICAE adapter's own settings, saved as <c>icae_config.json</c> beside the adapter weights
/// (shared/reference/icae.md). The memory table has k + 3 rows: k memory rows, then the special rows
/// in <see cref="SpecialRows"/> order (the released checkpoints use [AE], [LM], [FT]).
/// </summary>
/// <remarks>
/// <see cref="MaxRopeScale"/> is the largest E²-LLM scale g the base model was trained for, for bases whose config.json
/// does not say (HF configs carry no field for it; default 1: the decoder stays inside the base window). A base
/// fine-tuned by `memplat train e2llm` records its range in config.json ("e2llm"), and that record wins
/// (<see cref="SupportedRopeScale"/>).
/// </remarks>
public sealed record IcaeConfig
{
    public const string FileName = "icae_config.json";
    public static readonly string[] DefaultSpecialRows = ["[AE]", "[LM]", "[FT]"];

    /// <summary>k: memory slots per span.</summary>
    public int MemoryTokens { get; init; } = 128;
    /// <summary>Tokens per encoded span (the last span of a document may be shorter).</summary>
    public int SpanLength { get; init; } = 512;
    public LoraConfig Lora { get; init; } = new();
    /// <summary>The order of the three special rows after the k memory rows: a permutation of [AE], [LM], [FT].</summary>
    public IReadOnlyList<string> SpecialRows { get; init; } = DefaultSpecialRows;
    public ChatMarkers? Chat { get; init; }
    /// <summary>Hex identity of the base model the adapter was trained on (<see cref="IcaeModel.BaseIdentity"/>); null = unchecked.</summary>
    public string? BaseModel { get; init; }
    /// <summary>Largest E²-LLM scale g the base model supports (1 = no extension).</summary>
    public int MaxRopeScale { get; init; } = 1;
    /// <summary>
    /// The LoRA applies in the decoder, which reads the raw context where an ICAE adapter puts slots: not an encoder
    /// but the fine-tuned raw-context reference that task accuracy with slots is measured against (docs/results-icae.md).
    /// </summary>
    public bool DecoderLora { get; init; }
    /// <summary>
    /// Text the decoder reads before the slots in every layout, after BOS (ours; null = none, the paper's layout). A base
    /// trained by `memplat train e2llm` keeps its first four positions as attention sinks (docs/e2llm.md); without a
    /// prefix the first slots sit there. "Text:" gives the shipped base BOS and three tokens for that role (session 16
    /// of docs/results-icae.md: it did not fix the late start of 128-token copies). Released checkpoints have none.
    /// </summary>
    public string? DecoderPrefix { get; init; }

    /// <summary>
    /// The largest E²-LLM scale the decoder may use over <paramref name="baseConfig"/>: the range the base model's own
    /// config.json records, else <see cref="MaxRopeScale"/>. The one rule for the decoder's reach (model, trainer, silo).
    /// </summary>
    public int SupportedRopeScale(LlamaConfig baseConfig) => Math.Max(1, baseConfig.E2Llm?.MaxScale ?? MaxRopeScale);

    /// <summary>Positions the decoder can read over <paramref name="baseConfig"/>: its window times <see cref="SupportedRopeScale"/>.</summary>
    public int MaxDecoderPositions(LlamaConfig baseConfig) => baseConfig.MaxPositionEmbeddings * SupportedRopeScale(baseConfig);

    /// <summary>Rows of the memory table: k memory rows and three special ones.</summary>
    public int TableRows => MemoryTokens + 3;

    public int AeRow => Row("[AE]");
    public int LmRow => Row("[LM]");
    public int FtRow => Row("[FT]");

    private int Row(string name) => MemoryTokens + SpecialRows.ToList().IndexOf(name);

    /// <summary>Checks every field; errors name the field and the value found.</summary>
    public void Validate(string source = FileName)
    {
        InvalidDataException Error(string field, string problem) => new($"{source}: field '{field}' {problem}");
        if (MemoryTokens < 1) throw Error("memory_tokens", $"must be at least 1, found {MemoryTokens}");
        if (SpanLength < 1) throw Error("span_length", $"must be at least 1, found {SpanLength}");
        if (Lora.Rank < 1) throw Error("lora.rank", $"must be at least 1, found {Lora.Rank}");
        if (!(Lora.Alpha > 0) || !double.IsFinite(Lora.Alpha)) throw Error("lora.alpha", $"must be positive, found {Lora.Alpha}");
        if (!(Lora.Dropout >= 0 && Lora.Dropout < 1)) throw Error("lora.dropout", $"must be in [0, 1), found {Lora.Dropout}");
        if (Lora.Targets.Count == 0) throw Error("lora.targets", "must name at least one projection");
        foreach (var t in Lora.Targets)
        {
            try { ProjectionNames.Parse(t); }
            catch (ArgumentException e) { throw Error("lora.targets", e.Message); }
        }
        if (Lora.Targets.Distinct().Count() != Lora.Targets.Count) throw Error("lora.targets", $"names a projection twice: [{string.Join(", ", Lora.Targets)}]");
        if (SpecialRows.Count != 3 || !DefaultSpecialRows.All(SpecialRows.Contains))
            throw Error("special_rows", $"must be a permutation of [AE], [LM], [FT], found [{string.Join(", ", SpecialRows)}]");
        if (MaxRopeScale < 1) throw Error("max_rope_scale", $"must be at least 1, found {MaxRopeScale}");
        if (BaseModel is { } hex && (hex.Length != ModelFingerprint.Size * 2 || !hex.All(Uri.IsHexDigit)))
            throw Error("base_model", $"must be {ModelFingerprint.Size * 2} hex digits, found '{hex}'");
    }

    /// <summary>
    /// Checks that the config fits <paramref name="baseConfig"/>: a span and its k memory tokens within the positions the
    /// base reads, its window times the supported E²-LLM scale (the encoder runs at that span's scale).
    /// </summary>
    public void ValidateFor(LlamaConfig baseConfig, string source = FileName)
    {
        Validate(source);
        if (SpanLength + MemoryTokens > MaxDecoderPositions(baseConfig))
            throw new InvalidDataException($"{source}: span_length {SpanLength} + memory_tokens {MemoryTokens} exceed the positions the base model reads " +
                                           $"(max_position_embeddings {baseConfig.MaxPositionEmbeddings} × E²-LLM scale {SupportedRopeScale(baseConfig)})");
    }

    // ---- JSON ----

    public static IcaeConfig Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"ICAE adapter config not found: {fullPath}", fullPath);
        return Parse(File.ReadAllText(fullPath, Encoding.UTF8), fullPath);
    }

    public static IcaeConfig Parse(string json, string source = FileName)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object");
            var c = new ConfigJson(doc.RootElement, source);
            var defaults = new IcaeConfig();
            var lora = defaults.Lora;
            if (c.OptionalObject("lora") is { } l)
                lora = new LoraConfig
                {
                    Rank = l.RequiredInt("rank"),
                    Alpha = l.OptionalDouble("alpha") ?? lora.Alpha,
                    Dropout = l.OptionalDouble("dropout") ?? lora.Dropout,
                    Targets = l.Has("targets") ? l.OptionalStringArray("targets") : lora.Targets,
                };
            ChatMarkers? chat = null;
            if (c.OptionalObject("chat") is { } m)
                chat = new ChatMarkers(m.OptionalString("prefix") ?? "", m.OptionalString("suffix") ?? "", m.OptionalBool("bos") ?? true);
            var config = new IcaeConfig
            {
                MemoryTokens = c.OptionalInt("memory_tokens") ?? defaults.MemoryTokens,
                SpanLength = c.OptionalInt("span_length") ?? defaults.SpanLength,
                Lora = lora,
                SpecialRows = c.Has("special_rows") ? c.OptionalStringArray("special_rows") : defaults.SpecialRows,
                Chat = chat,
                BaseModel = c.OptionalString("base_model"),
                MaxRopeScale = c.OptionalInt("max_rope_scale") ?? defaults.MaxRopeScale,
                DecoderLora = c.OptionalBool("decoder_lora") ?? false,
                DecoderPrefix = c.OptionalString("decoder_prefix"),
            };
            config.Validate(source);
            return config;
        }
    }

    public void Save(string path)
    {
        Validate(path);
        File.WriteAllText(path, ToJson(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("memory_tokens", MemoryTokens);
            json.WriteNumber("span_length", SpanLength);
            json.WriteStartObject("lora");
            json.WriteNumber("rank", Lora.Rank);
            json.WriteNumber("alpha", Lora.Alpha);
            json.WriteNumber("dropout", Lora.Dropout);
            json.WriteStartArray("targets");
            foreach (var t in Lora.Targets) json.WriteStringValue(t);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartArray("special_rows");
            foreach (var r in SpecialRows) json.WriteStringValue(r);
            json.WriteEndArray();
            if (Chat is { } chat)
            {
                json.WriteStartObject("chat");
                json.WriteString("prefix", chat.Prefix);
                json.WriteString("suffix", chat.Suffix);
                json.WriteBoolean("bos", chat.Bos);
                json.WriteEndObject();
            }
            else json.WriteNull("chat");
            if (BaseModel is null) json.WriteNull("base_model");
            else json.WriteString("base_model", BaseModel);
            json.WriteNumber("max_rope_scale", MaxRopeScale);
            // Written only when set: the JSON is part of every adapter's fingerprint, which an ICAE adapter keeps.
            if (DecoderLora) json.WriteBoolean("decoder_lora", true);
            if (DecoderPrefix is not null) json.WriteString("decoder_prefix", DecoderPrefix);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
