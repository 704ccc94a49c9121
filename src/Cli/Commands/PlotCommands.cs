using System.CommandLine;
using System.Text.Json;
using MemoryPlatform.ModelCore.Plotting;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// `memplat plot loss`: redraw a run's loss curves from its train_log.csv; `plot lengths`: eval ppl/passkey against the
/// length; `plot icae`: the tables of eval icae.
/// </summary>
public static class PlotCommands
{
    public static Command Create()
    {
        var plot = new Command("plot", "Draw plots from logs");
        var log = new Option<string>("--log") { Description = "train_log.csv of a run", Required = true };
        var output = new Option<string>("--out") { Description = "SVG file to write", Required = true };
        var loss = new Command("loss", "Training loss (and copy-probe points) against the step, as SVG");
        loss.Options.Add(log);
        loss.Options.Add(output);
        loss.SetAction(parse => CommandErrors.Run("plot loss", () =>
        {
            LossPlot.Write(parse.GetValue(log)!, parse.GetValue(output)!);
            Console.WriteLine($"wrote {parse.GetValue(output)}");
        }));
        plot.Subcommands.Add(loss);
        plot.Subcommands.Add(Lengths());
        plot.Subcommands.Add(Icae());
        return plot;
    }

    /// <summary>
    /// NAME=FILE arguments as (name, JSON text). NAME=FILE#KEY takes the value at KEY (property names joined by '/') of a
    /// file that collects several results under names (docs/results/icae-eval-ft.json: #RUN/report).
    /// </summary>
    private static List<(string Name, string Json)> NamedResults(string[] results) => results.Select(r =>
    {
        var eq = r.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--result '{r}': expected NAME=FILE or NAME=FILE#KEY");
        var (file, key) = r[(eq + 1)..].Split('#') is [var f, var k] ? (f, k) : (r[(eq + 1)..], null);
        var text = File.ReadAllText(file);
        if (key is null) return (r[..eq], text);
        using var doc = JsonDocument.Parse(text);
        var part = doc.RootElement;
        foreach (var name in key.Split('/'))
            part = part.ValueKind == JsonValueKind.Object && part.TryGetProperty(name, out var inner)
                ? inner : throw new ArgumentException($"--result '{r}': {file} has no \"{key}\"");
        return (r[..eq], part.GetRawText());
    }).ToList();

    /// <summary>`memplat plot icae`: BLEU against length, task accuracy against spans, or continuation ppl, from eval icae --json.</summary>
    private static Command Icae()
    {
        var results = new Option<string[]>("--result") { Description = "NAME=FILE or NAME=FILE#KEY: the JSON of eval icae --json, a line per adapter (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var metric = new Option<string>("--metric") { Description = string.Join(", ", IcaeResultPlot.Metrics), DefaultValueFactory = _ => "bleu" };
        var title = new Option<string>("--title") { DefaultValueFactory = _ => "" };
        var output = new Option<string>("--out") { Description = "SVG file to write", Required = true };
        var command = new Command("icae", "Autoencoding BLEU against length, task accuracy against spans, or continuation perplexity, as SVG");
        foreach (var o in new Option[] { results, metric, title, output }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("plot icae", () =>
        {
            IcaeResultPlot.Build(NamedResults(parse.GetValue(results)!), parse.GetValue(metric)!, parse.GetValue(title)!).Save(parse.GetValue(output)!);
            Console.WriteLine($"wrote {parse.GetValue(output)}");
        }));
        return command;
    }

    /// <summary>`memplat plot lengths`: ppl or passkey accuracy against the length, a line per model's result file.</summary>
    private static Command Lengths()
    {
        var results = new Option<string[]>("--result") { Description = "NAME=FILE: a line named NAME from the JSON of eval ppl/passkey --json (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var metric = new Option<string>("--metric") { Description = "ppl or accuracy", DefaultValueFactory = _ => "ppl" };
        var title = new Option<string>("--title") { DefaultValueFactory = _ => "" };
        var output = new Option<string>("--out") { Description = "SVG file to write", Required = true };
        var command = new Command("lengths", "Perplexity or passkey accuracy against the length, as SVG");
        foreach (var o in new Option[] { results, metric, title, output }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("plot lengths", () =>
        {
            LengthPlot.Build(NamedResults(parse.GetValue(results)!), parse.GetValue(metric)!, parse.GetValue(title)!).Save(parse.GetValue(output)!);
            Console.WriteLine($"wrote {parse.GetValue(output)}");
        }));
        return command;
    }
}
