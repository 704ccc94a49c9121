using System.CommandLine;
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
            IcaeResultPlot.Build(ResultFiles.Named(parse.GetValue(results)!), parse.GetValue(metric)!, parse.GetValue(title)!).Save(parse.GetValue(output)!);
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
            LengthPlot.Build(ResultFiles.Named(parse.GetValue(results)!), parse.GetValue(metric)!, parse.GetValue(title)!).Save(parse.GetValue(output)!);
            Console.WriteLine($"wrote {parse.GetValue(output)}");
        }));
        return command;
    }
}
