using System.Text;
using System.Text.Json;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// The fields of a HF <c>config.json</c> that a Llama-family model (Llama-2, Llama-3, Mistral) needs.
/// Defaults follow HF's LlamaConfig/MistralConfig where a config may leave a field out.
/// <see cref="Load"/> and <see cref="Parse"/> validate; a config built in code can call <see cref="Validate"/>.
/// </summary>
public sealed record LlamaConfig
{
    public static readonly string[] SupportedModelTypes = ["llama", "mistral"];

    public required string ModelType { get; init; }
    public IReadOnlyList<string> Architectures { get; init; } = [];
    public required int HiddenSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    /// <summary>GQA: heads that share one K/V head come in groups of NumAttentionHeads / NumKeyValueHeads.</summary>
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int IntermediateSize { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required int VocabSize { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeScaling? RopeScaling { get; init; }
    /// <summary>Fraction of head_dim that RoPE rotates (HF: int(head_dim × factor)).</summary>
    public double PartialRotaryFactor { get; init; } = 1.0;
    public string HiddenAct { get; init; } = "silu";
    public bool TieWordEmbeddings { get; init; }
    public bool AttentionBias { get; init; }
    public bool MlpBias { get; init; }
    public int? BosTokenId { get; init; }
    /// <summary>Empty when the config names none; several for Llama-3.1 style configs.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    public string? TorchDtype { get; init; }
    /// <summary>Mistral's sliding attention window; null means full attention.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>The E²-LLM scale range the weights were fine-tuned for; null for a model never extended.</summary>
    public E2LlmConfig? E2Llm { get; init; }

    /// <summary>The number of leading head dimensions RoPE rotates (the rest pass through).</summary>
    public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);

    public int KeyValueGroups => NumAttentionHeads / NumKeyValueHeads;

    public static LlamaConfig Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        return Parse(File.ReadAllText(fullPath, Encoding.UTF8), fullPath);
    }

    public static LlamaConfig Parse(string json, string source = "config.json")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: expected a JSON object");
            var c = new ConfigJson(doc.RootElement, source);

            var modelType = c.OptionalString("model_type") ?? throw c.Error("model_type", "is required");
            if (!SupportedModelTypes.Contains(modelType))
                throw c.Error("model_type", $"'{modelType}' is not supported (supported: {string.Join(", ", SupportedModelTypes)})");

            int hidden = Positive(c, "hidden_size", c.RequiredInt("hidden_size"));
            int heads = Positive(c, "num_attention_heads", c.RequiredInt("num_attention_heads"));

            var config = new LlamaConfig
            {
                ModelType = modelType,
                Architectures = c.OptionalStringArray("architectures"),
                HiddenSize = hidden,
                NumHiddenLayers = c.RequiredInt("num_hidden_layers"),
                NumAttentionHeads = heads,
                NumKeyValueHeads = c.OptionalInt("num_key_value_heads") ?? heads,
                HeadDim = c.OptionalInt("head_dim") ?? hidden / heads,
                IntermediateSize = c.RequiredInt("intermediate_size"),
                MaxPositionEmbeddings = c.RequiredInt("max_position_embeddings"),
                VocabSize = c.RequiredInt("vocab_size"),
                RmsNormEps = c.OptionalDouble("rms_norm_eps") ?? 1e-6,
                RopeTheta = c.OptionalDouble("rope_theta") ?? 10000.0,
                RopeScaling = c.OptionalObject("rope_scaling") is { } rope ? RopeScaling.Read(rope) : null,
                PartialRotaryFactor = c.OptionalDouble("partial_rotary_factor") ?? 1.0,
                HiddenAct = c.OptionalString("hidden_act") ?? "silu",
                TieWordEmbeddings = c.OptionalBool("tie_word_embeddings") ?? false,
                AttentionBias = c.OptionalBool("attention_bias") ?? false,
                MlpBias = c.OptionalBool("mlp_bias") ?? false,
                BosTokenId = c.OptionalInt("bos_token_id"),
                EosTokenIds = c.IntOrIntArray("eos_token_id"),
                PadTokenId = c.OptionalInt("pad_token_id"),
                TorchDtype = c.OptionalString("torch_dtype"),
                SlidingWindow = c.OptionalInt("sliding_window"),
                E2Llm = c.OptionalObject("e2llm") is { } e2llm ? E2LlmConfig.Read(e2llm) : null,
            };
            config.Validate(source);
            return config;
        }
    }

    private static int Positive(ConfigJson c, string field, int value) =>
        value > 0 ? value : throw c.Error(field, $"must be positive, found {value}");

    /// <summary>Checks the invariants the model code relies on; errors name the field.</summary>
    public void Validate(string source = "config")
    {
        InvalidDataException Error(string field, string problem) => new($"{source}: field '{field}' {problem}");

        if (!SupportedModelTypes.Contains(ModelType))
            throw Error("model_type", $"'{ModelType}' is not supported (supported: {string.Join(", ", SupportedModelTypes)})");
        foreach (var (field, value) in new[]
        {
            ("hidden_size", HiddenSize), ("num_hidden_layers", NumHiddenLayers), ("num_attention_heads", NumAttentionHeads),
            ("num_key_value_heads", NumKeyValueHeads), ("head_dim", HeadDim), ("intermediate_size", IntermediateSize),
            ("max_position_embeddings", MaxPositionEmbeddings), ("vocab_size", VocabSize),
        })
        {
            if (value <= 0)
                throw Error(field, $"must be positive, found {value}");
        }
        // An explicit head_dim may differ from hidden / heads (Mistral-Nemo: 5120 = 32 × 160, head_dim 128;
        // q/o are then [heads·head_dim, hidden]), but every released Llama-family layout still has heads | hidden.
        if (HiddenSize % NumAttentionHeads != 0)
            throw Error("num_attention_heads", $"{NumAttentionHeads} does not divide hidden_size {HiddenSize}");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw Error("num_key_value_heads", $"{NumKeyValueHeads} does not divide num_attention_heads {NumAttentionHeads}");
        if (!(RmsNormEps > 0))
            throw Error("rms_norm_eps", $"must be positive, found {RmsNormEps}");
        if (!(RopeTheta > 1))
            throw Error("rope_theta", $"must be greater than 1, found {RopeTheta}");
        if (!(PartialRotaryFactor > 0 && PartialRotaryFactor <= 1))
            throw Error("partial_rotary_factor", $"must be in (0, 1], found {PartialRotaryFactor}");
        // Rotate-half pairs dimension i with i + d/2, so the rotated width must be even.
        if (RotaryDim < 2 || RotaryDim % 2 != 0)
            throw Error("head_dim", $"rotary width head_dim × partial_rotary_factor = {RotaryDim} must be even and at least 2");
        if (HiddenAct != "silu")
            throw Error("hidden_act", $"'{HiddenAct}' is not supported (the SwiGLU MLP needs 'silu')");
        if (SlidingWindow is <= 0)
            throw Error("sliding_window", $"must be positive or null, found {SlidingWindow}");
        foreach (var (field, id) in new[] { ("bos_token_id", BosTokenId), ("pad_token_id", PadTokenId) }
                     .Concat(EosTokenIds.Select(id => ("eos_token_id", (int?)id))))
        {
            if (id is { } token && (token < 0 || token >= VocabSize))
                throw Error(field, $"{token} is outside the vocabulary [0, {VocabSize})");
        }
        RopeScaling?.Validate(source);
        E2Llm?.Validate(source);
        // YaRN-applied g replaces the frequencies outright; it cannot stack on another variant's.
        if (E2Llm is { Interpolation: ScaleInterpolation.Yarn } && RopeScaling is { Type: not RopeType.Default } scaling)
            throw new InvalidDataException($"{source}: field 'e2llm.interpolation' 'yarn' needs plain RoPE, but rope_scaling is '{RopeScaling.TypeName(scaling.Type)}'");
    }

    /// <summary>Writes a HF-compatible config.json (keys sorted, 2-space indent, as transformers writes it).</summary>
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
            var architectures = Architectures.Count > 0
                ? Architectures
                : [ModelType == "mistral" ? "MistralForCausalLM" : "LlamaForCausalLM"];
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            foreach (var name in architectures)
                json.WriteStringValue(name);
            json.WriteEndArray();
            json.WriteBoolean("attention_bias", AttentionBias);
            WriteNullable(json, "bos_token_id", BosTokenId);
            if (E2Llm is not null)
            {
                json.WriteStartObject("e2llm");
                json.WriteNumber("base_window", E2Llm.BaseWindow);
                json.WriteString("interpolation", E2LlmConfig.Name(E2Llm.Interpolation));
                json.WriteNumber("max_scale", E2Llm.MaxScale);
                json.WriteEndObject();
            }
            switch (EosTokenIds.Count)
            {
                case 0: json.WriteNull("eos_token_id"); break;
                case 1: json.WriteNumber("eos_token_id", EosTokenIds[0]); break;
                default:
                    json.WriteStartArray("eos_token_id");
                    foreach (int id in EosTokenIds)
                        json.WriteNumberValue(id);
                    json.WriteEndArray();
                    break;
            }
            json.WriteNumber("head_dim", HeadDim);
            json.WriteString("hidden_act", HiddenAct);
            json.WriteNumber("hidden_size", HiddenSize);
            json.WriteNumber("intermediate_size", IntermediateSize);
            json.WriteNumber("max_position_embeddings", MaxPositionEmbeddings);
            json.WriteBoolean("mlp_bias", MlpBias);
            json.WriteString("model_type", ModelType);
            json.WriteNumber("num_attention_heads", NumAttentionHeads);
            json.WriteNumber("num_hidden_layers", NumHiddenLayers);
            json.WriteNumber("num_key_value_heads", NumKeyValueHeads);
            WriteNullable(json, "pad_token_id", PadTokenId);
            if (PartialRotaryFactor != 1.0)
                json.WriteNumber("partial_rotary_factor", PartialRotaryFactor);
            json.WriteNumber("rms_norm_eps", RmsNormEps);
            if (RopeScaling is null)
                json.WriteNull("rope_scaling");
            else
            {
                json.WritePropertyName("rope_scaling");
                RopeScaling.Write(json);
            }
            json.WriteNumber("rope_theta", RopeTheta);
            if (ModelType == "mistral" || SlidingWindow is not null)
                WriteNullable(json, "sliding_window", SlidingWindow);
            json.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            if (TorchDtype is not null)
                json.WriteString("torch_dtype", TorchDtype);
            json.WriteNumber("vocab_size", VocabSize);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
            json.WriteNumber(name, v);
        else
            json.WriteNull(name);
    }
}
