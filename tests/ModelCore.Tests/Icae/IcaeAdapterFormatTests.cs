using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using static MemoryPlatform.ModelCore.Tests.Icae.IcaeFixtures;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class IcaeAdapterFormatTests
{
    private const string Q0A = "icae.base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight";

    /// <summary>Saves a tiny base and an adapter; returns (model dir, adapter dir).</summary>
    private static (string Model, string Adapter) Save(TempDirectory dir, IcaeConfig? config = null)
    {
        var modelDir = dir.File("model");
        var adapterDir = dir.File("adapter");
        using var model = Model(seed: 9, config: config);
        model.Base.Save(modelDir);
        model.SaveAdapter(adapterDir);
        return (modelDir, adapterDir);
    }

    [Fact]
    public void The_adapter_uses_the_released_key_names_and_shapes_and_loads_back_identically()
    {
        using var dir = new TempDirectory();
        using var original = Model(seed: 9);
        original.Base.Save(dir.File("model"));
        original.SaveAdapter(dir.File("adapter"));

        // Released pattern (Mistral v2 at small scale): q: A [r, d], B [d, r]; v: A [r, d], B [kv_dim, r]; memory [k + 3, d].
        using (var file = SafeTensorsFile.Open(Path.Combine(dir.File("adapter"), IcaeAdapterFile.WeightsFile)))
        {
            var shapes = file.Tensors.ToDictionary(t => t.Key, t => t.Value.Shape.ToArray());
            Assert.Equal(2 * 2 * 2 + 1, shapes.Count);
            for (var i = 0; i < 2; i++)
            {
                var p = $"icae.base_model.model.model.layers.{i}.self_attn.";
                Assert.Equal([4L, 64], shapes[p + "q_proj.lora_A.default.weight"]);
                Assert.Equal([64L, 4], shapes[p + "q_proj.lora_B.default.weight"]);
                Assert.Equal([4L, 64], shapes[p + "v_proj.lora_A.default.weight"]);
                Assert.Equal([32L, 4], shapes[p + "v_proj.lora_B.default.weight"]);
            }
            Assert.Equal([7L, 64], shapes["memory_token_embed.weight"]);
        }
        var config = IcaeConfig.Load(Path.Combine(dir.File("adapter"), IcaeConfig.FileName));
        Assert.Equal(original.BaseIdentityHex, config.BaseModel);

        using var loaded = IcaeModel.Load(dir.File("model"), dir.File("adapter"), DType.Float32);
        using var scope = TensorScope.Begin();
        int[][] spans = [Tokens(8, 1), Tokens(3, 2)];
        Assert.Equal(0f, MaxAbsDiff(original.Encode(spans), loaded.Encode(spans)));
        Assert.Equal(original.Fingerprint, loaded.Fingerprint);
        Assert.Equal(original.Config.ToJson(), (loaded.Config with { BaseModel = null }).ToJson());

        // A bf16 load is the same base and adapter: same fingerprint, slots within bf16 precision.
        using var bf16 = IcaeModel.Load(dir.File("model"), dir.File("adapter"), DType.BFloat16);
        Assert.Equal(original.Fingerprint, bf16.Fingerprint);
        Assert.True(MaxAbsDiff(original.Encode(spans), bf16.Encode(spans)) < 0.2);
    }

    [Fact]
    public void Fingerprints_tell_adapters_apart()
    {
        // One base from disk for both (Llama.Random draws from libtorch's generator, which parallel tests share).
        using var dir = new TempDirectory();
        using (var m = TinyModels.Random(seed: 1)) m.Save(dir.Path);
        using var a = IcaeModel.Create(Llama.Load(dir.Path, DType.Float32), Config(), seed: 1);
        using var b = IcaeModel.Create(Llama.Load(dir.Path, DType.Float32), Config(), seed: 1);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        RandomizeB(b, 2);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        Assert.Equal(a.BaseIdentityHex, b.BaseIdentityHex);
    }

    [Fact]
    public void Missing_extra_and_mis_shaped_keys_are_named()
    {
        using var dir = new TempDirectory();
        var (modelDir, adapterDir) = Save(dir);
        var weights = Path.Combine(adapterDir, IcaeAdapterFile.WeightsFile);
        Dictionary<string, Tensor> tensors;
        using (var file = SafeTensorsFile.Open(weights))
            tensors = file.Tensors.Keys.ToDictionary(k => k, k => TensorScope.Escape(file.ReadTensor(k)));

        void Write(IEnumerable<KeyValuePair<string, Tensor>> entries)
        {
            var writer = new SafeTensorsWriter();
            foreach (var (k, v) in entries) writer.Add(k, v);
            writer.Save(weights);
        }
        string LoadError()
        {
            var e = Assert.Throws<InvalidDataException>(() => IcaeModel.Load(modelDir, adapterDir, DType.Float32));
            return e.Message;
        }

        Write(tensors.Where(t => t.Key != Q0A));
        var missing = LoadError();
        Assert.Contains($"lacks tensor '{Q0A}'", missing);
        Assert.Contains("[4, 64]", missing);

        Write(tensors.Append(new("icae.base_model.model.model.layers.0.self_attn.k_proj.lora_A.default.weight", tensors[Q0A])));
        Assert.Contains("unexpected tensor 'icae.base_model.model.model.layers.0.self_attn.k_proj.lora_A.default.weight'", LoadError());

        using var wrong = Tensor.Zeros([8, 64]);
        Write(tensors.Select(t => t.Key == Q0A ? new KeyValuePair<string, Tensor>(Q0A, wrong) : t));
        var misShaped = LoadError();
        Assert.Contains($"'{Q0A}' has shape [8, 64], expected [4, 64]", misShaped);

        // Dtypes come from the header: a bf16 file loads into a float32 model.
        Write(tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, t.Value.To(DType.BFloat16))));
        using (var loaded = IcaeModel.Load(modelDir, adapterDir, DType.Float32))
            Assert.Equal(DType.Float32, loaded.MemoryEmbeddings.DType);
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void An_adapter_trained_on_another_base_is_refused()
    {
        using var dir = new TempDirectory();
        var (modelDir, adapterDir) = Save(dir);
        using (var other = TinyModels.Random(seed: 77)) other.Save(modelDir);
        var e = Assert.Throws<InvalidDataException>(() => IcaeModel.Load(modelDir, adapterDir, DType.Float32));
        Assert.Contains("trained on base model", e.Message);
    }

    [Fact]
    public void Config_round_trips_and_bad_fields_are_named()
    {
        var config = Config() with { Chat = new ChatMarkers("[INST]", " [/INST]"), MaxRopeScale = 8, SpecialRows = ["[LM]", "[AE]", "[FT]"] };
        var parsed = IcaeConfig.Parse(config.ToJson());
        Assert.Equal(config.ToJson(), parsed.ToJson());
        Assert.Equal(config.Chat, parsed.Chat);
        Assert.Equal(5, parsed.AeRow);
        // decoder_lora is written only when set, so an ICAE adapter's JSON (part of its fingerprint) has no such field.
        Assert.DoesNotContain("decoder_lora", config.ToJson());
        var reference = config with { DecoderLora = true };
        Assert.Contains("\"decoder_lora\": true", reference.ToJson());
        Assert.True(IcaeConfig.Parse(reference.ToJson()).DecoderLora);
        Assert.False(parsed.DecoderLora);
        // So is decoder_prefix: adapters without one keep their fingerprints.
        Assert.DoesNotContain("decoder_prefix", config.ToJson());
        Assert.Equal("Text:", IcaeConfig.Parse((config with { DecoderPrefix = "Text:" }).ToJson()).DecoderPrefix);

        var defaults = IcaeConfig.Parse("{}");
        Assert.Equal((128, 512, 32.0, 0.05, 1), (defaults.MemoryTokens, defaults.SpanLength, defaults.Lora.Alpha, defaults.Lora.Dropout, defaults.MaxRopeScale));
        Assert.Equal(["q_proj", "v_proj"], defaults.Lora.Targets);

        string Error(string json) => Assert.Throws<InvalidDataException>(() => IcaeConfig.Parse(json)).Message;
        Assert.Contains("'memory_tokens'", Error("""{"memory_tokens": 0}"""));
        Assert.Contains("'lora.rank'", Error("""{"lora": {"alpha": 16}}"""));
        Assert.Contains("unknown projection 'qkv'", Error("""{"lora": {"rank": 4, "targets": ["qkv"]}}"""));
        Assert.Contains("'special_rows'", Error("""{"special_rows": ["[AE]", "[AE]", "[FT]"]}"""));
        Assert.Contains("'lora.dropout'", Error("""{"lora": {"rank": 4, "dropout": 1.5}}"""));
        Assert.Contains("'base_model'", Error("""{"base_model": "xyz"}"""));
        Assert.Contains("not valid JSON", Error("{"));
        var window = Assert.Throws<InvalidDataException>(() => (Config() with { SpanLength = 300 }).ValidateFor(TinyModels.Config()));
        Assert.Contains("max_position_embeddings 256", window.Message);
    }
}
