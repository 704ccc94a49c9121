using System.Text.Json.Nodes;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `memplat bench engine`: matmul throughput (f32, bf16; n = 512, 1024, 2048) and the per-call
/// overhead of a small op, measured here and, in the same run, in PyTorch on the same libtorch.
/// Targets: bf16 matmul within 10% of PyTorch; per-op overhead under 10 µs.
/// </summary>
public static class EngineBench
{
    private static readonly int[] Sizes = [512, 1024, 2048];
    private const int OverheadCalls = 50_000;

    public static JsonObject Run(int repeats, CancellationToken ct = default)
    {
        var threads = Torch.Threads;
        var matmul = new JsonArray();
        using (Autograd.NoGrad())
        {
            foreach (var dtype in new[] { DType.Float32, DType.BFloat16 })
                foreach (var n in Sizes)
                {
                    using var scope = TensorScope.Begin();
                    var a = Tensor.Randn([n, n]).To(dtype);
                    var b = Tensor.Randn([n, n]).To(dtype);
                    var t = BenchStats.Time(() => a.MatMul(b).Dispose(), warmup: 2, repeats, ct);
                    matmul.Add(new JsonObject
                    {
                        ["dtype"] = dtype == DType.Float32 ? "f32" : "bf16",
                        ["n"] = n,
                        ["gflops"] = 2.0 * n * n * n / t.Median / 1e9,
                        ["gflops_min"] = 2.0 * n * n * n / t.Max / 1e9,
                        ["gflops_max"] = 2.0 * n * n * n / t.Min / 1e9,
                    });
                }
        }

        var overhead = OpOverheadMicroseconds();
        using var reference = PythonReference.RunScript(RepoPaths.Bench("engine_reference.py"),
            [threads.ToString(), repeats.ToString()], TimeSpan.FromMinutes(10), ct);
        var refRoot = reference.RootElement;

        // bf16 throughput against PyTorch at the largest size, where per-call costs no longer matter.
        var refRows = JsonNode.Parse(refRoot.GetProperty("matmul").GetRawText())!.AsArray();
        var bf16Ratio = Gflops(Row(matmul, "bf16", 2048)) / Gflops(Row(refRows, "bf16", 2048));

        return new JsonObject
        {
            ["matmul"] = matmul,
            ["op_overhead_us"] = overhead,
            ["threads"] = threads,
            ["libtorch"] = Torch.Version.ToString(),
            ["cpu"] = BenchStats.CpuModel(),
            ["reference"] = new JsonObject
            {
                ["matmul"] = refRows,
                ["op_overhead_us"] = refRoot.GetProperty("op_overhead_us").GetDouble(),
            },
            ["bf16_ratio_vs_pytorch"] = bf16Ratio,
            ["targets"] = new JsonObject
            {
                ["bf16_within_10pct_of_pytorch"] = bf16Ratio >= 0.9,
                ["op_overhead_under_10us"] = overhead < 10,
            },
        };
    }

    /// <summary>Median over 5 rounds of the per-call time of add on one-element tensors, result disposed.</summary>
    private static double OpOverheadMicroseconds()
    {
        using var noGrad = Autograd.NoGrad();
        using var x = Tensor.Ones([1]);
        using var y = Tensor.Ones([1]);
        var t = BenchStats.Time(() =>
        {
            for (var i = 0; i < OverheadCalls; i++) x.Add(y).Dispose();
        }, warmup: 1, repeats: 5);
        return t.Median / OverheadCalls * 1e6;
    }

    private static JsonNode Row(JsonArray rows, string dtype, int n) =>
        rows.First(r => (string)r!["dtype"]! == dtype && (int)r["n"]! == n)!;

    private static double Gflops(JsonNode row) => row["gflops"]!.GetValue<double>();

    public static void PrintTable(JsonObject r)
    {
        var refRows = r["reference"]!["matmul"]!.AsArray();
        Console.WriteLine($"engine benchmark: libtorch {r["libtorch"]}, {r["threads"]} threads, {r["cpu"]}");
        Console.WriteLine($"{"dtype",-6} {"n",6} {"memplat GFLOP/s",16} {"(min-max)",16} {"pytorch GFLOP/s",16} {"ratio",7}");
        foreach (var row in r["matmul"]!.AsArray().OfType<JsonNode>())
        {
            var g = Gflops(row);
            var rg = Gflops(Row(refRows, (string)row["dtype"]!, (int)row["n"]!));
            Console.WriteLine($"{row["dtype"],-6} {row["n"],6} {g,16:F1} {$"{row["gflops_min"]!.GetValue<double>():F0}-{row["gflops_max"]!.GetValue<double>():F0}",16} {rg,16:F1} {g / rg,7:F2}");
        }
        Console.WriteLine($"per-op overhead (add, 1 element): {r["op_overhead_us"]!.GetValue<double>():F2} µs  (pytorch: {r["reference"]!["op_overhead_us"]!.GetValue<double>():F2} µs)");
        Console.WriteLine($"targets: bf16 within 10% of pytorch: {r["targets"]!["bf16_within_10pct_of_pytorch"]}; op overhead < 10 µs: {r["targets"]!["op_overhead_under_10us"]}");
    }
}
