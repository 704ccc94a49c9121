using System.CommandLine;
using MemoryPlatform.ModelCore.Plotting;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat plot loss`: redraw a run's loss curve from its train_log.csv.</summary>
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
        return plot;
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
            var series = parse.GetValue(results)!.Select(r =>
            {
                var eq = r.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--result '{r}': expected NAME=FILE");
                return (r[..eq], File.ReadAllText(r[(eq + 1)..]));
            }).ToList();
            LengthPlot.Build(series, parse.GetValue(metric)!, parse.GetValue(title)!).Save(parse.GetValue(output)!);
            Console.WriteLine($"wrote {parse.GetValue(output)}");
        }));
        return command;
    }
}
