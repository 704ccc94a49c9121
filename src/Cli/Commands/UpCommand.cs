using System.CommandLine;
using MemoryPlatform.Cli.Platform;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat up`: redis-server, N silos and the gateway with the default model, until Ctrl-C.</summary>
public static class UpCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Gateway port", DefaultValueFactory = _ => 8080 };
        var adminKey = new Option<string?>("--admin-key") { Description = "Admin key for POST /v1/tenants (default: generated once, kept in .memplat/admin-key)" };
        var silos = new Option<int>("--silos") { Description = "Silo processes", DefaultValueFactory = _ => 1 };
        var model = new Option<string>("--model") { Description = "Base model directory", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "models", "memplat-tiny") };
        var adapter = new Option<string?>("--adapter") { Description = "ICAE adapter directory (default: MODEL/icae)" };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
        var command = new Command("up", "Run the platform locally (redis-server, silos, gateway) until Ctrl-C");
        foreach (var o in new Option[] { port, adminKey, silos, model, adapter, device }) command.Options.Add(o);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("up", async () =>
        {
            var silosValue = parse.GetValue(silos);
            if (silosValue is < 1 or > 16) throw new ArgumentException("--silos must be between 1 and 16");
            var modelDir = Path.GetFullPath(parse.GetValue(model)!);
            var options = new LocalPlatformOptions(parse.GetValue(port), parse.GetValue(adminKey), silosValue, modelDir,
                Path.GetFullPath(parse.GetValue(adapter) ?? Path.Combine(modelDir, "icae")), parse.GetValue(device)!,
                Path.Combine(RepoPaths.Root, ".memplat"));

            // Ctrl-C stops everything cleanly instead of killing this process and orphaning the servers.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                await using var platform = await LocalPlatform.StartAsync(options, m => Console.Error.WriteLine($"memplat up: {m}"), stop.Token);
                Console.WriteLine($"""

                    MemoryPlatform is running: {platform.Url}
                      admin key: {platform.AdminKey}
                      silos: {silosValue}, model: {modelDir}
                      logs: {Path.Combine(options.StateDir, "logs")}
                    Try `./memplat demo`, or open the URL. Ctrl-C stops everything.
                    """);
                while (!stop.IsCancellationRequested)
                {
                    platform.ThrowIfAnyExited();
                    try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
                }
                Console.Error.WriteLine("memplat up: stopping");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Console.Error.WriteLine("memplat up: stopped before the platform was ready");
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }));
        return command;
    }
}
