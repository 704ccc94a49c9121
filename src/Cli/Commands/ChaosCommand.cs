using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using MemoryPlatform.Cli.Chaos;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat chaos`: faults, bad input, corrupt data, isolation and overload against real processes (docs/reliability.md).</summary>
public static class ChaosCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var defaults = new ChaosOptions { ModelDir = "", AdapterDir = "", StateDir = "" };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON" };
        var model = new Option<string>("--model") { Description = "Base model directory", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "models", "memplat-tiny") };
        var adapter = new Option<string?>("--adapter") { Description = "ICAE adapter directory (default: MODEL/icae)" };
        var state = new Option<string>("--state") { Description = "Redis data and logs of the run (emptied first)", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, ".memplat", "chaos") };
        var silos = new Option<int>("--silos") { Description = "Silo processes", DefaultValueFactory = _ => defaults.Silos };
        var documents = new Option<int>("--documents") { Description = "Documents ingested under faults", DefaultValueFactory = _ => defaults.Documents };
        var chars = new Option<int>("--document-chars") { Description = "Characters per document", DefaultValueFactory = _ => defaults.DocumentChars };
        var kills = new Option<int>("--kills") { Description = "Silo SIGKILLs (each followed by a restart); one Redis restart follows", DefaultValueFactory = _ => defaults.SiloKills };
        var interval = new Option<double>("--interval") { Description = "Seconds between faults", DefaultValueFactory = _ => defaults.FaultInterval.TotalSeconds };
        var malformed = new Option<int>("--malformed") { Description = "Malformed requests", DefaultValueFactory = _ => defaults.MalformedRequests };
        var overload = new Option<int>("--overload") { Description = "Concurrent queries of the overload probe", DefaultValueFactory = _ => defaults.OverloadQueries };
        var queue = new Option<int>("--queue") { Description = "Model queue length (Grains:Batching:MaxQueueLength)", DefaultValueFactory = _ => defaults.QueueLength };
        var settle = new Option<double>("--settle-timeout") { Description = "Seconds acknowledged documents may take to be ready once the faults stop", DefaultValueFactory = _ => defaults.SettleTimeout.TotalSeconds };
        var seed = new Option<int>("--seed") { Description = "Seed of the documents and the malformed requests", DefaultValueFactory = _ => defaults.Seed };
        var command = new Command("chaos", "Faults, bad input, corrupt data, isolation and overload against real processes; checks and figures");
        foreach (var o in new Option[] { json, model, adapter, state, silos, documents, chars, kills, interval, malformed, overload, queue, settle, seed })
            command.Options.Add(o);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("chaos", async () =>
        {
            var modelDir = Path.GetFullPath(parse.GetValue(model)!);
            var options = defaults with
            {
                ModelDir = modelDir,
                AdapterDir = Path.GetFullPath(parse.GetValue(adapter) ?? Path.Combine(modelDir, "icae")),
                StateDir = Path.GetFullPath(parse.GetValue(state)!),
                Silos = parse.GetValue(silos),
                Documents = parse.GetValue(documents),
                DocumentChars = parse.GetValue(chars),
                SiloKills = parse.GetValue(kills),
                FaultInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                MalformedRequests = parse.GetValue(malformed),
                OverloadQueries = parse.GetValue(overload),
                QueueLength = parse.GetValue(queue),
                SettleTimeout = TimeSpan.FromSeconds(parse.GetValue(settle)),
                Seed = parse.GetValue(seed),
            };
            if (options.Silos < 2) throw new ArgumentException("--silos must be at least 2: one silo is killed at a time and the others carry on");
            if (options.Documents < 6) throw new ArgumentException("--documents must be at least 6 (the corruption probe damages five)");
            if (options.FaultInterval <= TimeSpan.Zero) throw new ArgumentException("--interval must be positive");

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                var watch = Stopwatch.StartNew();
                var report = await ChaosRun.RunAsync(options, m => Console.Error.WriteLine($"memplat chaos: {m}"), stop.Token);
                Console.Error.WriteLine($"memplat chaos: finished in {watch.Elapsed.TotalSeconds:F0} s; logs in {options.StateDir}");
                if (parse.GetValue(json)) Console.WriteLine(report.ToJson().ToJsonString(Indented));
                else Print(report);
                foreach (var failure in report.Failures) Console.Error.WriteLine($"memplat chaos: FAILED: {failure}");
                if (!report.Passed) throw new InvalidOperationException($"{report.Failures.Count} checks failed");
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }));
        return command;
    }

    private static void Print(ChaosReport report)
    {
        Console.WriteLine($"""
            requests sent          {report.Requests}
            faults injected        {report.Faults}
            documents verified     {report.DocumentsVerified}
            documents lost         {report.DocumentsLost}
            server errors (5xx)    {report.ServerErrors}
            malformed requests     {report.MalformedRequests}
            RSS growth (MB)        {report.RssGrowthMb:F1}
            result                 {(report.Passed ? "passed" : $"FAILED ({report.Failures.Count} checks)")}
            """);
    }
}
