using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// The adapter directory: <c>icae_config.json</c> and one safetensors file with the released key names
/// (shared/reference/icae.md):
/// <c>icae.base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.default.weight</c> [r, in],
/// <c>...lora_B.default.weight</c> [out, r] (other targets analogous, e.g. <c>...layers.{i}.mlp.gate_proj...</c>)
/// and <c>memory_token_embed.weight</c> [k + 3, d]. Dtypes come from the file's header. Every expected key must be
/// present with its exact shape, and no other key may be: a released checkpoint for another base or rank is refused
/// with the offending key named rather than half-loaded.
/// </summary>
public static class IcaeAdapterFile
{
    public const string WeightsFile = "adapter.safetensors";
    public const string MemoryKey = "memory_token_embed.weight";

    public static string LoraKey(int layer, Projection p, char ab) =>
        $"icae.base_model.model.model.layers.{layer}.{p.ModulePath()}.lora_{ab}.default.weight";

    /// <summary>Every key the config implies for <paramref name="model"/>, with its shape.</summary>
    public static IReadOnlyDictionary<string, long[]> ExpectedShapes(IcaeConfig config, LlamaConfig model)
    {
        var shapes = new Dictionary<string, long[]> { [MemoryKey] = [config.TableRows, model.HiddenSize] };
        for (var layer = 0; layer < model.NumHiddenLayers; layer++)
            foreach (var p in config.Lora.TargetProjections)
            {
                var (outFeatures, inFeatures) = LoraAdapter.ProjectionShape(model, p);
                shapes[LoraKey(layer, p, 'A')] = [config.Lora.Rank, inFeatures];
                shapes[LoraKey(layer, p, 'B')] = [outFeatures, config.Lora.Rank];
            }
        return shapes;
    }

    /// <summary><see cref="WeightsFile"/>, or else the directory's only *.safetensors file (a released checkpoint dropped in).</summary>
    public static string FindWeights(string adapterDir)
    {
        var preferred = Path.Combine(adapterDir, WeightsFile);
        if (File.Exists(preferred)) return preferred;
        if (!Directory.Exists(adapterDir)) throw new DirectoryNotFoundException($"adapter directory not found: {Path.GetFullPath(adapterDir)}");
        var candidates = Directory.GetFiles(adapterDir, "*.safetensors");
        return candidates.Length switch
        {
            1 => candidates[0],
            0 => throw new FileNotFoundException($"{Path.GetFullPath(adapterDir)}: no {WeightsFile} (or other *.safetensors) in the adapter directory"),
            _ => throw new InvalidDataException($"{Path.GetFullPath(adapterDir)}: several *.safetensors files and no {WeightsFile}; keep one"),
        };
    }

    /// <summary>Reads and checks the weights; tensors are converted to <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static (LoraAdapter Adapter, Tensor Memory) Read(string path, IcaeConfig config, LlamaConfig model, DType dtype, Device device)
    {
        using var file = SafeTensorsFile.Open(path);
        var expected = ExpectedShapes(config, model);
        foreach (var (key, shape) in expected)
        {
            if (!file.Tensors.TryGetValue(key, out var info))
                throw new InvalidDataException($"{path}: adapter lacks tensor '{key}' (expected shape [{string.Join(", ", shape)}])");
            if (!info.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"{path}: tensor '{key}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", shape)}] " +
                                               $"(rank {config.Lora.Rank}, k {config.MemoryTokens}, base d {model.HiddenSize})");
        }
        var extra = file.Tensors.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
        if (extra.Length > 0)
            throw new InvalidDataException($"{path}: unexpected tensor '{extra[0]}'{(extra.Length > 1 ? $" (and {extra.Length - 1} more)" : "")}; " +
                                           $"the config targets [{string.Join(", ", config.Lora.Targets)}] over {model.NumHiddenLayers} layers");

        Tensor Read(string key)
        {
            using var scope = TensorScope.Begin();
            var t = file.ReadTensor(key, dtype);
            return TensorScope.Escape(device == Device.Cpu ? scope.Keep(t) : t.To(device));
        }
        var updates = new Dictionary<(int, Projection), LoraLinear>();
        for (var layer = 0; layer < model.NumHiddenLayers; layer++)
            foreach (var p in config.Lora.TargetProjections)
                updates[(layer, p)] = new LoraLinear(Read(LoraKey(layer, p, 'A')), Read(LoraKey(layer, p, 'B')), config.Lora.Scaling, config.Lora.Dropout);
        return (new LoraAdapter(config.Lora, updates), Read(MemoryKey));
    }

    /// <summary>Writes <c>icae_config.json</c> and <see cref="WeightsFile"/> (tensors in their own dtype).</summary>
    public static void Write(string dir, IcaeConfig config, LoraAdapter adapter, Tensor memory)
    {
        Directory.CreateDirectory(dir);
        var writer = new SafeTensorsWriter(new Dictionary<string, string> { ["format"] = "pt" });
        writer.Add(MemoryKey, memory);
        foreach (var (layer, p, lora) in adapter.Updates())
        {
            writer.Add(LoraKey(layer, p, 'A'), lora.A);
            writer.Add(LoraKey(layer, p, 'B'), lora.B);
        }
        // Write beside and rename, so a reader never sees half a file.
        var weights = Path.Combine(dir, WeightsFile);
        writer.Save(weights + ".tmp");
        File.Move(weights + ".tmp", weights, overwrite: true);
        config.Save(Path.Combine(dir, IcaeConfig.FileName));
    }
}
