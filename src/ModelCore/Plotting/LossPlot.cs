using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Plotting;

/// <summary>
/// The training-loss curve of a run (train_log.csv → loss.svg), with the copy probe's first- and second-copy
/// losses as markers where they were measured: a second-copy loss falling below the first means the model
/// has begun to copy from its context (DESIGN.md, ICAE notes).
/// </summary>
public static class LossPlot
{
    public const string FileName = "loss.svg";

    public static SvgLinePlot Build(IReadOnlyList<TrainLogRow> rows, string title)
    {
        var plot = new SvgLinePlot { Title = title, XLabel = "step", YLabel = "loss (nats/token)" };
        plot.Series.Add(new PlotSeries("training loss", rows.Select(r => ((double)r.Step, r.Loss)).ToList(), "#1f77b4"));
        var probed = rows.Where(r => !double.IsNaN(r.CopyFirst) || !double.IsNaN(r.CopySecond)).ToList();
        if (probed.Count > 0)
        {
            plot.Series.Add(new PlotSeries("copy probe, 1st copy", probed.Select(r => ((double)r.Step, r.CopyFirst)).ToList(), "#ff7f0e", Markers: true));
            plot.Series.Add(new PlotSeries("copy probe, 2nd copy", probed.Select(r => ((double)r.Step, r.CopySecond)).ToList(), "#2ca02c", Markers: true));
        }
        return plot;
    }

    /// <summary>Redraws <paramref name="svgPath"/> from <paramref name="logPath"/>; titled by the run folder's name.</summary>
    public static void Write(string logPath, string svgPath)
    {
        var run = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(logPath))) ?? "";
        Build(TrainLog.Read(logPath), $"training loss: {run}").Save(svgPath);
    }
}
