using System.Diagnostics;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Training;
using Xunit.Abstractions;

namespace MemoryPlatform.ModelCore.Tests.Training;

public class LmTrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void Resume_continues_the_loss_curve_bit_for_bit()
    {
        var previousThreads = Torch.Threads;
        Torch.Threads = 1;
        var root = TrainingFixtures.TempDir();
        try
        {
            // Both runs start from the same saved weights: Llama.Random uses libtorch's global generator,
            // which tests running in parallel may also draw from.
            var init = Path.Combine(root, "init");
            using (var m = TinyModels.Random(seed: 3)) m.Save(init);
            var data = TrainingFixtures.RepeatedText(retrievalFraction: 0.5);
            var options = TrainingFixtures.Tiny(6) with
            {
                Bf16 = false, Accumulation = 2,
                E2Llm = new E2LlmTrainingOptions(TrainingLength: 16, BaseWindow: 16, MaxScale: 4),
            };

            List<TrainStep> straight;
            using (var a = LmTrainer.Start(TinyModels.Config(), data, options, Path.Combine(root, "a"), Llama.Load(init, DType.Float32)))
                straight = a.Run();

            var b = Path.Combine(root, "b");
            using (var first = LmTrainer.Start(TinyModels.Config(), data, options, b, Llama.Load(init, DType.Float32)))
                Assert.Equal(3, first.Run(stopAt: 3).Count);
            List<TrainStep> resumed;
            using (var second = LmTrainer.Resume(b, data))
            {
                Assert.Equal(3, second.Step);
                resumed = second.Run();
            }

            Assert.Equal(6, straight.Count);
            Assert.Equal(straight.Skip(3).Select(r => r.Loss), resumed.Select(r => r.Loss));
            Assert.Equal(straight.Skip(3).Select(r => r.GradNorm), resumed.Select(r => r.GradNorm));
            Assert.Contains(straight, r => r.Scale > 1);
            // The log of the resumed run reads like the uninterrupted one.
            var logA = File.ReadAllLines(Path.Combine(root, "a", LmTrainer.LogFile)).Select(l => string.Join(',', l.Split(',').Take(3)));
            var logB = File.ReadAllLines(Path.Combine(b, LmTrainer.LogFile)).Select(l => string.Join(',', l.Split(',').Take(3)));
            Assert.Equal(logA, logB);
            Assert.True(Directory.Exists(Path.Combine(b, "checkpoints", "step-00000006")));
            Assert.Empty(Directory.GetDirectories(Path.Combine(b, "checkpoints"), ".tmp-*"));
        }
        finally
        {
            Torch.Threads = previousThreads;
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Loss_falls_on_repeated_text()
    {
        var root = TrainingFixtures.TempDir();
        try
        {
            var options = TrainingFixtures.Tiny(50) with { BatchSize = 4, SequenceLength = 32, WarmupSteps = 5, LogEvery = 10 };
            using var trainer = LmTrainer.Start(TinyModels.Config(), TrainingFixtures.RepeatedText(), options, root);
            var records = trainer.Run();
            var first = records[0].Loss;
            var last = records.TakeLast(5).Average(r => r.Loss);
            output.WriteLine($"loss {first:F3} -> {last:F3}");
            Assert.True(last < 0.5 * first, $"loss {first} -> {last}");
            Assert.Equal(6, File.ReadAllLines(Path.Combine(root, LmTrainer.LogFile)).Length);   // header + every 10th step
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // Skipped: on this 2-core machine 1,000 tiny steps (batch 16 × 64, copy samples only) do not move the probe, with the
    // fixed-distance copies (4.78/4.75) or with the dense random pairs that taught the default model to copy (4.60/4.60).
    // A PyTorch replica of this model and data behaves the same; at lr 1e-3 its copying forms around step 1,000 of a
    // 4,000-step schedule: a phase change too late for a unit test. The default model's probe is the real check
    // (docs/results-e2llm.md). Kept runnable to tune it.
    [Fact(Skip = "copying does not form within ~20 s of tiny training yet (probe 4.78 vs 4.75 after 1,000 steps)")]
    public void Training_on_copies_teaches_the_model_to_copy()
    {
        var root = TrainingFixtures.TempDir();
        try
        {
            var watch = Stopwatch.StartNew();
            var options = TrainingFixtures.Tiny(1000) with
            {
                BatchSize = 16, SequenceLength = 64, LearningRate = 1e-2, WarmupSteps = 50, LogEvery = 50,
                EvalEvery = 250, CopyProbeLength = 24, CopyProbeSequences = 16,
            };
            using var trainer = LmTrainer.Start(TinyModels.Config(), TrainingFixtures.RandomTokens(20000, seed: 2, retrievalFraction: 1), options, root);
            var before = trainer.ProbeCopyResult();
            var records = trainer.Run();
            foreach (var r in records.Where(r => !double.IsNaN(r.CopyFirst))) output.WriteLine($"step {r.Step} loss {r.Loss:F3} copy {r.CopyFirst:F3} / {r.CopySecond:F3}");
            var last = records[^1];
            output.WriteLine($"copy probe before {before}, after first {last.CopyFirst:F3} second {last.CopySecond:F3}, {watch.Elapsed.TotalSeconds:F1} s");
            Assert.True(last.CopySecond < 0.7 * last.CopyFirst, $"first {last.CopyFirst}, second {last.CopySecond}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
