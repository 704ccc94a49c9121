using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Plotting;

/// <summary>
/// The training-loss curve of a run (train_log.csv → loss.svg), with every objective the log holds as its own line and
/// its reference measurements as markers where they were taken:
/// - LM and E²-LLM runs: the copy probe's first- and second-copy losses (a second copy below the first means the
///   model has begun to copy from its context; DESIGN.md, ICAE notes);
/// - ICAE runs: the AE, LM, answer and slot-alignment losses, and the frozen base's own losses on the same samples
///   (base_loss: the context's text read with nothing before it, or in fine-tuning the answer given the raw context; base_lm_loss:
///   the continuation given the raw context), the levels the slots are measured against.
/// </summary>
public static class LossPlot
{
    public const string FileName = "loss.svg";

    private static readonly (string Column, string Name, string Color, bool Markers)[] Columns =
    [
        ("loss", "training loss", "#1f77b4", false),
        ("ae_loss", "AE loss", "#ff7f0e", false),
        ("lm_loss", "LM loss (continuation)", "#2ca02c", false),
        ("ft_loss", "answer loss", "#d62728", false),
        ("align_loss", "slot-alignment loss", "#9467bd", false),
        ("base_loss", "base model: base_loss", "#8c564b", true),
        ("base_lm_loss", "base model: base_lm_loss", "#e377c2", true),
        ("copy_first", "copy probe, 1st copy", "#ff7f0e", true),
        ("copy_second", "copy probe, 2nd copy", "#2ca02c", true),
    ];

    public static SvgLinePlot Build(IReadOnlyList<TrainLogRow> rows, string title)
    {
        var plot = new SvgLinePlot { Title = title, XLabel = "step", YLabel = "loss (nats/token)" };
        foreach (var (column, name, color, markers) in Columns)
        {
            // A line through every row that has the column; one the log leaves empty everywhere is not drawn at all.
            var points = rows.Where(r => double.IsFinite(r[column])).Select(r => ((double)r.Step, r[column])).ToList();
            if (points.Count > 0) plot.Series.Add(new PlotSeries(name, points, color, markers));
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
