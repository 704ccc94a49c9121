using System.CommandLine;
using System.Diagnostics;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// `memplat selfcheck`: proves this machine can run the engine end to end — the native shim loads,
/// libtorch computes, bf16 works, a Llama model round-trips through safetensors and decodes with
/// its KV cache exactly as a full forward pass does. Exit 0 when every check passes.
/// </summary>
public static class SelfCheckCommand
{
    public static Command Create()
    {
        var command = new Command("selfcheck", "Check the native engine and model path on this machine");
        command.SetAction(_ => CommandErrors.Run("selfcheck", () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var failures = 0;
            void Check(string name, Func<string> body)
            {
                var clock = Stopwatch.StartNew();
                try { Console.WriteLine($"  ok    {name,-46} {body()} ({clock.ElapsedMilliseconds} ms)"); }
                catch (Exception e) { failures++; Console.WriteLine($"  FAIL  {name,-46} {e.Message}"); }
            }

            Console.WriteLine($"memplat selfcheck: libtorch {Torch.Version}, {Torch.Threads} threads, CUDA devices: {Torch.CudaDeviceCount}");
            Check("matmul f32 and bf16 agree", () =>
            {
                using var scope = TensorScope.Begin();
                Torch.ManualSeed(0);
                var a = Tensor.Randn([256, 256]);
                var diff = a.MatMul(a).Sub(a.To(DType.BFloat16).MatMul(a.To(DType.BFloat16)).To(DType.Float32)).Abs().Max().Item<float>();
                return diff < 1.0 ? $"max diff {diff:F3}" : throw new Exception($"bf16 differs by {diff}");
            });
            Check("libtorch errors become exceptions", () =>
            {
                using var x = Tensor.Zeros([2, 3]);
                try { x.MatMul(x).Dispose(); } catch (ModelCore.TorchException) { return "shape error caught"; }
                throw new Exception("a bad matmul did not fail");
            });
            Check("model save/load and KV-cache decoding", () =>
            {
                var dir = Directory.CreateTempSubdirectory("memplat-selfcheck-").FullName;
                try
                {
                    var config = Bench.ModelBench.DefaultShape with { NumHiddenLayers = 2, MaxPositionEmbeddings = 64 };
                    using (var random = Llama.Random(config, 1)) random.Save(dir);
                    using var model = Llama.Load(dir, DType.Float32);
                    var prompt = new[] { 1, 20, 30, 40 };
                    var tokens = new Generator(model).GenerateAllAsync([prompt], new GenerationOptions { MaxTokens = 8, StopTokens = [] }).GetAwaiter().GetResult()[0];
                    // Greedy choice of the full forward pass over prompt + generated must reproduce each token.
                    using var scope = TensorScope.Begin();
                    using var noGrad = Autograd.NoGrad();
                    var all = prompt.Concat(tokens).Select(t => (long)t).ToArray();
                    var logits = model.Logits(model.Forward(model.Embed(Tensor.From(all, 1, all.Length)), Tensor.Arange(all.Length).Unsqueeze(0), model.RopeFor(all.Length)));
                    var argmax = logits.ArgMax(-1).ToArray<long>();
                    for (var i = 0; i < tokens.Length; i++)
                        if (argmax[prompt.Length - 1 + i] != tokens[i]) throw new Exception($"token {i} differs between cached and full decoding");
                    return $"{tokens.Length} tokens decoded";
                }
                finally { Directory.Delete(dir, true); }
            });
            if (failures > 0) throw new InvalidDataException($"{failures} check(s) failed");
            Console.WriteLine("all checks passed");
        }));
        return command;
    }
}
