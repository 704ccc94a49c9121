using System.CommandLine;
using System.Text.Json;
using MemoryPlatform.Cli.Bench;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat bench ...`: benchmarks that compare side by side in one run and print a table (or JSON).</summary>
public static class BenchCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var bench = new Command("bench", "Run benchmarks (tables, or JSON with --json)");
        bench.Subcommands.Add(Engine());
        return bench;
    }

    private static Command Engine()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per size", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (both sides)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("engine", "Matmul GFLOP/s (f32, bf16) and per-op overhead, vs PyTorch on the same libtorch");
        command.Options.Add(json);
        command.Options.Add(repeats);
        command.Options.Add(threads);
        command.SetAction(parse =>
        {
            Torch.Threads = parse.GetValue(threads);
            var result = EngineBench.Run(parse.GetValue(repeats));
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString(Indented));
            else EngineBench.PrintTable(result);
            return 0;
        });
        return command;
    }
}
