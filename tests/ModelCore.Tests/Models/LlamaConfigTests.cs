using System.Text.Json.Nodes;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tests.TestSupport;

namespace MemoryPlatform.ModelCore.Tests.Models;

public class LlamaConfigTests
{
    [Fact]
    public void Llama2_7B_loads_with_defaults_filled_in()
    {
        var c = LlamaConfig.Parse(ConfigTexts.Llama2_7B);

        Assert.Equal("llama", c.ModelType);
        Assert.Equal(4096, c.HiddenSize);
        Assert.Equal(32, c.NumHiddenLayers);
        Assert.Equal(32, c.NumAttentionHeads);
        Assert.Equal(32, c.NumKeyValueHeads);
        Assert.Equal(128, c.HeadDim);
        Assert.Equal(128, c.RotaryDim);
        Assert.Equal(11008, c.IntermediateSize);
        Assert.Equal(1e-5, c.RmsNormEps);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Null(c.RopeScaling);
        Assert.Equal(4096, c.MaxPositionEmbeddings);
        Assert.Equal(32000, c.VocabSize);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Null(c.PadTokenId);
        Assert.Equal("float16", c.TorchDtype);
        Assert.Null(c.SlidingWindow);
        Assert.Equal(1.0, c.PartialRotaryFactor);
    }

    [Fact]
    public void Mistral_7B_loads_gqa_and_sliding_window()
    {
        var c = LlamaConfig.Parse(ConfigTexts.Mistral_7B);

        Assert.Equal("mistral", c.ModelType);
        Assert.Equal(8, c.NumKeyValueHeads);
        Assert.Equal(4, c.KeyValueGroups);
        Assert.Equal(128, c.HeadDim);
        Assert.Equal(14336, c.IntermediateSize);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
        Assert.Equal(4096, c.SlidingWindow);
        Assert.Equal("bfloat16", c.TorchDtype);
    }

    [Fact]
    public void Llama3_8B_loads_its_large_theta_and_vocabulary()
    {
        var c = LlamaConfig.Parse(ConfigTexts.Llama3_8B);

        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(128256, c.VocabSize);
        Assert.Equal(128000, c.BosTokenId);
        Assert.Equal([128001], c.EosTokenIds);
        Assert.Equal(8, c.NumKeyValueHeads);
        Assert.Equal(8192, c.MaxPositionEmbeddings);
    }

    [Fact]
    public void Llama31_8B_loads_llama3_rope_scaling_and_eos_list()
    {
        var c = LlamaConfig.Parse(ConfigTexts.Llama31_8B);

        Assert.Equal([128001, 128008, 128009], c.EosTokenIds);
        Assert.Equal(new RopeScaling(RopeType.Llama3, 8.0, 8192, 1.0, 4.0), c.RopeScaling);
    }

    [Theory]
    [InlineData("type")]
    [InlineData("rope_type")]
    public void Rope_type_is_read_from_either_key(string key)
    {
        var c = LlamaConfig.Parse(With(ConfigTexts.Tiny, "rope_scaling", new JsonObject { [key] = "linear", ["factor"] = 4 }));
        Assert.Equal(new RopeScaling(RopeType.Linear, 4.0), c.RopeScaling);
    }

    [Fact]
    public void Yarn_parameters_are_read()
    {
        var c = LlamaConfig.Parse(With(ConfigTexts.Tiny, "rope_scaling", new JsonObject
        {
            ["rope_type"] = "yarn", ["factor"] = 8.0, ["original_max_position_embeddings"] = 4096,
            ["beta_fast"] = 16, ["beta_slow"] = 2, ["attention_factor"] = 1.5,
        }));
        Assert.Equal(new RopeScaling(RopeType.Yarn, 8.0, 4096, BetaFast: 16, BetaSlow: 2, AttentionFactor: 1.5), c.RopeScaling);
    }

    [Fact]
    public void Save_then_load_gives_the_same_config()
    {
        using var dir = new TempDirectory();
        foreach (var text in new[] { ConfigTexts.Llama2_7B, ConfigTexts.Mistral_7B, ConfigTexts.Llama3_8B, ConfigTexts.Llama31_8B })
        {
            var original = LlamaConfig.Parse(text);
            var path = dir.File("config.json");
            original.Save(path);
            var reloaded = LlamaConfig.Load(path);

            Assert.Equal(original.ToJson(), reloaded.ToJson());
            Assert.Equal(original.HiddenSize, reloaded.HiddenSize);
            Assert.Equal(original.RopeScaling, reloaded.RopeScaling);
            Assert.Equal(original.EosTokenIds, reloaded.EosTokenIds);
        }
    }

    [Fact]
    public void Saved_json_has_hf_keys_sorted_and_both_rope_type_keys()
    {
        var json = JsonNode.Parse(LlamaConfig.Parse(ConfigTexts.Llama31_8B).ToJson())!.AsObject();
        var keys = json.Select(kv => kv.Key).ToList();

        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), keys);
        Assert.Equal("LlamaForCausalLM", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal("llama3", json["rope_scaling"]!["rope_type"]!.GetValue<string>());
        Assert.Equal("llama3", json["rope_scaling"]!["type"]!.GetValue<string>());
        Assert.Equal(3, json["eos_token_id"]!.AsArray().Count);
        Assert.False(json.ContainsKey("sliding_window")); // a Llama config has no such field
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    [InlineData("intermediate_size")]
    [InlineData("max_position_embeddings")]
    [InlineData("vocab_size")]
    [InlineData("model_type")]
    public void Missing_required_field_is_named(string field) =>
        AssertRejected(Without(ConfigTexts.Tiny, field), field, "required");

    [Theory]
    [InlineData("hidden_size", 0)]
    [InlineData("num_hidden_layers", -1)]
    [InlineData("num_attention_heads", 0)]
    [InlineData("num_key_value_heads", 0)]
    [InlineData("intermediate_size", 0)]
    [InlineData("vocab_size", -5)]
    [InlineData("head_dim", 0)]
    public void Non_positive_size_is_named(string field, int value) =>
        AssertRejected(With(ConfigTexts.Tiny, field, value), field, "positive");

    [Fact]
    public void Heads_must_divide_hidden() =>
        AssertRejected(With(ConfigTexts.Tiny, "num_attention_heads", 5), "num_attention_heads", "does not divide hidden_size");

    [Fact]
    public void Kv_heads_must_divide_heads() =>
        AssertRejected(With(ConfigTexts.Tiny, "num_key_value_heads", 3), "num_key_value_heads", "does not divide num_attention_heads");

    [Fact]
    public void Unknown_model_type_is_rejected() =>
        AssertRejected(With(ConfigTexts.Tiny, "model_type", "gpt2"), "model_type", "gpt2");

    [Fact]
    public void Unknown_rope_type_is_rejected() =>
        AssertRejected(With(ConfigTexts.Tiny, "rope_scaling", new JsonObject { ["rope_type"] = "longrope", ["factor"] = 4 }),
            "rope_scaling.rope_type", "longrope");

    [Theory]
    [InlineData("linear")]
    [InlineData("dynamic")]
    [InlineData("yarn")]
    [InlineData("llama3")]
    public void Missing_factor_is_rejected(string type) =>
        AssertRejected(With(ConfigTexts.Tiny, "rope_scaling", new JsonObject { ["type"] = type }), "rope_scaling.factor", "required");

    [Fact]
    public void Llama3_scaling_needs_its_band_parameters() =>
        AssertRejected(With(ConfigTexts.Tiny, "rope_scaling", new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8, ["low_freq_factor"] = 1 }),
            "rope_scaling.high_freq_factor", "required");

    [Fact]
    public void Rope_scaling_without_a_type_is_rejected() =>
        AssertRejected(With(ConfigTexts.Tiny, "rope_scaling", new JsonObject { ["factor"] = 2 }), "rope_scaling.rope_type", "required");

    [Fact]
    public void Wrongly_typed_field_is_named() =>
        AssertRejected(With(ConfigTexts.Tiny, "hidden_size", "64"), "hidden_size", "integer");

    [Fact]
    public void Odd_rotary_width_is_rejected() => // 16 × 0.1875 = 3
        AssertRejected(With(ConfigTexts.Tiny, "partial_rotary_factor", 0.1875), "head_dim", "even");

    [Fact]
    public void Bad_json_is_reported_with_the_source()
    {
        var error = Assert.Throws<InvalidDataException>(() => LlamaConfig.Parse("{\"hidden_size\": ", "m/config.json"));
        Assert.Contains("m/config.json", error.Message);
    }

    [Fact]
    public void Defaults_follow_hf()
    {
        var c = LlamaConfig.Parse(ConfigTexts.Tiny);
        Assert.Equal(4, c.NumKeyValueHeads);
        Assert.Equal(16, c.HeadDim);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.False(c.TieWordEmbeddings);
        Assert.Empty(c.EosTokenIds);
    }

    [Fact]
    public void E2llm_field_is_null_when_absent_and_round_trips_when_present()
    {
        var plain = LlamaConfig.Parse(ConfigTexts.Tiny);
        Assert.Null(plain.E2Llm);
        Assert.False(JsonNode.Parse(plain.ToJson())!.AsObject().ContainsKey("e2llm"));

        var extended = LlamaConfig.Parse(With(ConfigTexts.Tiny, "e2llm", new JsonObject { ["max_scale"] = 16, ["base_window"] = 512 }));
        Assert.Equal(new E2LlmConfig(16, 512), extended.E2Llm);
        var json = JsonNode.Parse(extended.ToJson())!.AsObject();
        Assert.Equal(16, json["e2llm"]!["max_scale"]!.GetValue<int>());
        Assert.Equal(512, json["e2llm"]!["base_window"]!.GetValue<int>());
        Assert.Equal(extended.E2Llm, LlamaConfig.Parse(extended.ToJson()).E2Llm);
    }

    [Fact]
    public void E2llm_interpolation_is_linear_when_absent_and_round_trips_as_yarn()
    {
        var linear = LlamaConfig.Parse(With(ConfigTexts.Tiny, "e2llm", new JsonObject { ["max_scale"] = 16, ["base_window"] = 512 }));
        Assert.Equal(ScaleInterpolation.Linear, linear.E2Llm!.Interpolation);
        Assert.Equal("linear", JsonNode.Parse(linear.ToJson())!["e2llm"]!["interpolation"]!.GetValue<string>());

        var yarn = LlamaConfig.Parse(With(ConfigTexts.Tiny, "e2llm",
            new JsonObject { ["max_scale"] = 16, ["base_window"] = 512, ["interpolation"] = "yarn" }));
        Assert.Equal(new E2LlmConfig(16, 512, ScaleInterpolation.Yarn), yarn.E2Llm);
        Assert.Equal(yarn.E2Llm, LlamaConfig.Parse(yarn.ToJson()).E2Llm);
    }

    [Fact]
    public void E2llm_interpolation_that_is_unknown_or_stacks_on_another_scaling_is_rejected()
    {
        AssertRejected(With(ConfigTexts.Tiny, "e2llm", new JsonObject { ["max_scale"] = 16, ["base_window"] = 512, ["interpolation"] = "cubic" }),
            "e2llm.interpolation", "'cubic' is not a scale interpolation");
        var scaled = With(ConfigTexts.Tiny, "rope_scaling", new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0 });
        AssertRejected(With(scaled, "e2llm", new JsonObject { ["max_scale"] = 16, ["base_window"] = 512, ["interpolation"] = "yarn" }),
            "e2llm.interpolation", "needs plain RoPE");
    }

    [Fact]
    public void E2llm_field_with_a_zero_scale_is_rejected() =>
        AssertRejected(With(ConfigTexts.Tiny, "e2llm", new JsonObject { ["max_scale"] = 0, ["base_window"] = 512 }), "e2llm.max_scale", "at least 1");

    private static void AssertRejected(string json, string field, string fragment)
    {
        var error = Assert.Throws<InvalidDataException>(() => LlamaConfig.Parse(json, "test/config.json"));
        Assert.Contains($"'{field}'", error.Message);
        Assert.Contains(fragment, error.Message);
        Assert.StartsWith("test/config.json", error.Message);
    }

    private static string With(string json, string field, JsonNode? value)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node[field] = value;
        return node.ToJsonString();
    }

    private static string Without(string json, string field)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove(field);
        return node.ToJsonString();
    }
}
