using System.Globalization;
using System.Text.Json;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Data;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Tests;

/// <summary>
/// `memplat train icae-finetune --ae-weight --lm-weight` (the answer loss with AE and LM losses on corpus spans beside it), and
/// `memplat train icae-pretrain --align-pooled` (an alignment target for spans longer than k), `--rebase` (a warm start
/// from another base's adapter), `--ae-per-sample` (the AE loss averaged per span) and `--ae-input-noise` (a noisy
/// teacher-forced prefix), end to end.
/// </summary>
public sealed class TrainIcaeCommandTests : IDisposable
{
    private readonly TinyIcaeModel model = new();
    private readonly string root = Directory.CreateTempSubdirectory("memplat-ft-").FullName;

    public TrainIcaeCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(root, "corpus"));
        File.WriteAllLines(Path.Combine(root, "corpus", "train.txt"), Enumerable.Range(0, 200).Select(TinyIcaeModel.Sentence));
        File.WriteAllLines(Path.Combine(root, "tasks.jsonl"), Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new
        {
            input = string.Join(' ', Enumerable.Range(i * 5, 5).Select(TinyIcaeModel.Sentence)), prompt = "When?", answer = $"{1850 + i * 5}",
        })));
    }

    private ProcessRunner.Result Finetune(params string[] args) =>
        ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["train", "icae-finetune", "--model", model.ModelDir, "--data", Path.Combine(root, "tasks.jsonl"), .. args], timeout: TimeSpan.FromMinutes(3));

    /// <summary>The train_log.csv rows by step: column name → cell.</summary>
    private static Dictionary<long, Dictionary<string, string>> Log(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "train_log.csv"));
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second))
            .ToDictionary(r => long.Parse(r["step"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_kept_ae_and_lm_losses_are_trained_logged_and_resumed_from_the_run_directory_alone()
    {
        var run = Path.Combine(root, "run");
        var first = Finetune("--adapter", model.AdapterDir, "--out", run, "--steps", "3", "--batch", "2", "--lr", "1e-2", "--warmup", "1",
                        "--ae-weight", "1", "--lm-weight", "0.5", "--corpus", Path.Combine(root, "corpus"), "--max-context", "4", "--align", "1",
                        "--log-every", "1", "--save-every", "1");
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.True(File.Exists(Path.Combine(run, "adapter", "icae_config.json")));
        // The loss curves, redrawn at every checkpoint, carry the kept AE and LM losses beside the answer loss.
        var svg = File.ReadAllText(Path.Combine(run, "loss.svg"));
        Assert.Contains(">AE loss<", svg);
        Assert.Contains(">LM loss (continuation)<", svg);
        Assert.Contains(">answer loss<", svg);
        var straight = Log(run);
        Assert.All(straight.Values, r =>
        {
            Assert.True(double.Parse(r["ae_loss"], CultureInfo.InvariantCulture) > 0, "ae_loss");
            Assert.True(double.Parse(r["ft_loss"], CultureInfo.InvariantCulture) > 0, "ft_loss");
            Assert.True(double.Parse(r["lm_loss"], CultureInfo.InvariantCulture) > 0, "lm_loss");
            Assert.True(double.Parse(r["base_lm_loss"], CultureInfo.InvariantCulture) > 0, "base_lm_loss: the raw text's continuation, for reference");
            Assert.True(double.Parse(r["align_loss"], CultureInfo.InvariantCulture) >= 0, "align_loss");
        });

        // Back to step 2; the resume finds the corpus in the run's saved options (no --corpus) and redraws the same spans.
        Directory.Delete(Path.Combine(run, "checkpoints", "step-00000003"), recursive: true);
        var resumed = Finetune("--out", run, "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("at step 2", resumed.StdErr);
        var again = Log(run);
        Assert.Equal(3, again.Count);
        foreach (var column in new[] { "ae_loss", "lm_loss", "ft_loss", "align_loss" })
            Assert.Equal(double.Parse(straight[3][column], CultureInfo.InvariantCulture), double.Parse(again[3][column], CultureInfo.InvariantCulture), 3);
    }

    [Theory]
    [InlineData("--ae-weight")]
    [InlineData("--lm-weight")]
    public void A_kept_loss_without_a_corpus_is_refused_before_anything_is_written(string weight)
    {
        var run = Path.Combine(root, "refused");
        var result = Finetune("--adapter", model.AdapterDir, "--out", run, "--steps", "1", weight, "1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--corpus", result.StdErr);
        Assert.False(Directory.Exists(run));
    }

    private ProcessRunner.Result Pretrain(string run, params string[] args) => PretrainOn(model.ModelDir, run, args);

    private ProcessRunner.Result PretrainOn(string modelDir, string run, params string[] args) =>
        ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["train", "icae-pretrain", "--model", modelDir, "--adapter", model.AdapterDir, "--corpus", Path.Combine(root, "corpus"),
             "--out", run, "--batch", "2", "--lambda", "1", "--max-spans", "1", "--multi-span", "0", "--log-every", "1", .. args],
            timeout: TimeSpan.FromMinutes(3));

    /// <summary>The align_loss cells of a run's train_log.csv.</summary>
    private static string[] AlignLosses(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "train_log.csv"));
        var column = Array.IndexOf(lines[0].Split(','), "align_loss");
        return lines.Skip(1).Select(l => column < 0 ? "" : l.Split(',')[column]).ToArray();
    }

    [Fact]
    public void Full_spans_get_an_alignment_loss_only_when_pooled_and_the_option_is_saved_for_a_resume()
    {
        // The tiny adapter reads 16-token spans into 4 slots. The same seed draws the same single spans of up to 16
        // tokens for both runs: without pooling only those of at most 4 tokens are aligned, with it every one is.
        var plain = Path.Combine(root, "plain");
        var result = Pretrain(plain, "--align", "1", "--steps", "6");
        Assert.True(result.ExitCode == 0, result.StdErr);

        var pooled = Path.Combine(root, "pooled");
        result = Pretrain(pooled, "--align", "1", "--align-pooled", "--steps", "6");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var (plainLosses, pooledLosses) = (AlignLosses(plain), AlignLosses(pooled));
        Assert.All(pooledLosses, cell => Assert.InRange(double.Parse(cell, CultureInfo.InvariantCulture), 0, 2));
        Assert.NotEqual(plainLosses, pooledLosses);
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(pooled, "checkpoints", "step-00000006", "trainer_state.json")));
        Assert.True(state.RootElement.GetProperty("options").GetProperty("AlignPooled").GetBoolean());
    }

    /// <summary>The ae_loss cells of a run's train_log.csv.</summary>
    private static double[] AeLosses(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "train_log.csv"));
        var column = Array.IndexOf(lines[0].Split(','), "ae_loss");
        return lines.Skip(1).Select(l => double.Parse(l.Split(',')[column], CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void The_AE_loss_per_sample_and_with_a_noisy_prefix_changes_from_the_first_step_and_is_saved_for_a_resume()
    {
        // Same seed, same spans of 1..16 tokens: only the weighting of their tokens differs, from the first step on.
        var tokenMean = Path.Combine(root, "token-mean");
        var result = Pretrain(tokenMean, "--steps", "2");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var perSample = Path.Combine(root, "per-sample");
        result = Pretrain(perSample, "--ae-per-sample", "--steps", "2");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var (a, b) = (AeLosses(tokenMean), AeLosses(perSample));
        Assert.All(b, loss => Assert.True(double.IsFinite(loss) && loss > 0, $"AE loss {loss}"));
        Assert.NotEqual(a[0], b[0], 1e-6);
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(perSample, "checkpoints", "step-00000002", "trainer_state.json")));
        Assert.True(state.RootElement.GetProperty("options").GetProperty("AeLossPerSample").GetBoolean());

        // --ae-input-noise feeds the decoder other tokens of the span: same slots at step 1, a higher loss.
        var noisy = Path.Combine(root, "noisy");
        result = Pretrain(noisy, "--ae-input-noise", "0.5", "--steps", "2");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.NotEqual(a[0], AeLosses(noisy)[0], 1e-6);
        using var noisyState = JsonDocument.Parse(File.ReadAllText(Path.Combine(noisy, "checkpoints", "step-00000002", "trainer_state.json")));
        Assert.Equal(0.5, noisyState.RootElement.GetProperty("options").GetProperty("AeInputNoise").GetDouble());
    }

    [Fact]
    public void A_decoder_prefix_given_with_an_adapter_goes_into_the_runs_adapter()
    {
        var run = Path.Combine(root, "prefixed");
        var result = Pretrain(run, "--decoder-prefix", "Text:", "--steps", "1");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal("Text:", IcaeConfig.Load(Path.Combine(run, "adapter", IcaeConfig.FileName)).DecoderPrefix);
        Assert.Null(IcaeConfig.Load(Path.Combine(model.AdapterDir, IcaeConfig.FileName)).DecoderPrefix);   // the source is untouched
    }

    /// <summary>A random base of <paramref name="config"/> with the tiny model's tokenizer, in a new directory under the test root.</summary>
    private string RandomBase(string name, LlamaConfig config, ulong seed)
    {
        var dir = Path.Combine(root, name);
        using (var llama = Llama.Random(config, seed, DType.Float32, std: 0.1))
            llama.Save(dir);
        File.Copy(Path.Combine(model.ModelDir, "tokenizer.model"), Path.Combine(dir, "tokenizer.model"));
        return dir;
    }

    [Fact]
    public void An_adapter_of_another_base_is_refused_unless_rebased_and_the_rebased_run_names_the_new_base()
    {
        // Another base of the same shape, as a base trained further would be: same config and tokenizer, other weights.
        var config = LlamaConfig.Load(Path.Combine(model.ModelDir, "config.json"));
        var otherBase = RandomBase("other-base", config, seed: 6);

        var refusedRun = Path.Combine(root, "not-rebased");
        var refused = PretrainOn(otherBase, refusedRun, "--steps", "1");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("the adapter was trained on base model", refused.StdErr);
        Assert.False(Directory.Exists(refusedRun));

        var run = Path.Combine(root, "rebased");
        var rebased = PretrainOn(otherBase, run, "--rebase", "--steps", "1");
        Assert.True(rebased.ExitCode == 0, rebased.StdErr);
        var source = IcaeConfig.Load(Path.Combine(model.AdapterDir, IcaeConfig.FileName)).BaseModel;
        var saved = IcaeConfig.Load(Path.Combine(run, "adapter", IcaeConfig.FileName)).BaseModel;
        Assert.NotNull(saved);
        Assert.NotEqual(source, saved);
        // The rebased adapter loads against the new base and no longer against the old one.
        using (IcaeModel.Load(otherBase, Path.Combine(run, "adapter"), DType.Float32)) { }
        Assert.Throws<InvalidDataException>(() => IcaeModel.Load(model.ModelDir, Path.Combine(run, "adapter"), DType.Float32).Dispose());

        // --rebase skips the fingerprint, never the shapes: a base with one layer more is refused by name of the missing tensor.
        var deeper = RandomBase("deeper-base", config with { NumHiddenLayers = config.NumHiddenLayers + 1 }, seed: 7);
        var misShapedRun = Path.Combine(root, "mis-shaped");
        var misShaped = PretrainOn(deeper, misShapedRun, "--rebase", "--steps", "1");
        Assert.NotEqual(0, misShaped.ExitCode);
        Assert.Contains($"layers.{config.NumHiddenLayers}.", misShaped.StdErr);
        Assert.False(Directory.Exists(misShapedRun));
    }

    [Fact]
    public void Pooled_alignment_without_an_alignment_weight_is_refused_before_anything_is_written()
    {
        var run = Path.Combine(root, "refused");
        var result = Pretrain(run, "--align-pooled", "--steps", "1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--align", result.StdErr);
        Assert.False(Directory.Exists(run));
    }

    public void Dispose()
    {
        model.Dispose();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
