using System.Text.Json;
using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>
/// A run's checkpoints: <c>out/checkpoints/step-NNNNNNNN/</c> holding the trainer's weights (whatever the trainer
/// writes), <c>trainer_state.safetensors</c> (AdamW moments) and <c>trainer_state.json</c> (step, seed, options).
/// A checkpoint is written into a temporary folder and renamed, so a crash never leaves a half checkpoint, and
/// only folders with a state file count as checkpoints.
/// </summary>
public static class TrainingCheckpoints
{
    public const string StateJson = "trainer_state.json";
    public const string StateTensors = "trainer_state.safetensors";

    public static string Dir(string outDir) => Path.Combine(outDir, "checkpoints");

    /// <summary>Writes checkpoint <paramref name="step"/>: <paramref name="writeWeights"/> fills the folder, then the optimizer and state.</summary>
    public static string Save<TOptions>(string outDir, long step, ulong seed, TOptions options, AdamW optimizer, Action<string> writeWeights)
    {
        var dir = Dir(outDir);
        Directory.CreateDirectory(dir);
        var final = Path.Combine(dir, $"step-{step:D8}");
        var temp = Path.Combine(dir, $".tmp-step-{step:D8}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        writeWeights(temp);
        var writer = new SafeTensorsWriter();
        foreach (var (name, value) in optimizer.State()) writer.Add(name, value);
        writer.Save(Path.Combine(temp, StateTensors));
        var state = new { step, seed, options };
        File.WriteAllText(Path.Combine(temp, StateJson), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        return final;
    }

    public static string? Latest(string outDir)
    {
        var dir = Dir(outDir);
        if (!Directory.Exists(dir)) return null;
        return Directory.GetDirectories(dir, "step-*").Where(d => File.Exists(Path.Combine(d, StateJson))).Order(StringComparer.Ordinal).LastOrDefault();
    }

    /// <summary>The options a checkpoint's run was started with.</summary>
    public static TOptions ReadOptions<TOptions>(string checkpoint)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, StateJson)));
        return json.RootElement.GetProperty("options").Deserialize<TOptions>()
               ?? throw new InvalidDataException($"{checkpoint}/{StateJson} lacks options");
    }

    public static long ReadStep(string checkpoint)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, StateJson)));
        return json.RootElement.GetProperty("step").GetInt64();
    }

    /// <summary>Restores the optimizer's moments and step count from <paramref name="checkpoint"/>; returns the step.</summary>
    public static long RestoreOptimizer(string checkpoint, AdamW optimizer)
    {
        var step = ReadStep(checkpoint);
        using var scope = TensorScope.Begin();
        using var file = SafeTensorsFile.Open(Path.Combine(checkpoint, StateTensors));
        var state = file.Tensors.Keys.ToDictionary(k => k, k => file.ReadTensor(k, DType.Float32));
        optimizer.Load(state, step);
        return step;
    }
}
