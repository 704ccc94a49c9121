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
        return plot;
    }
}
