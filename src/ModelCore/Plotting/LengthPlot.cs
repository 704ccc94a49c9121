using System.Text.Json;

namespace MemoryPlatform.ModelCore.Plotting;

/// <summary>
/// Long-context results against the length: one line per model, drawn from the JSON that `eval ppl` or `eval passkey`
/// print. The x axis is log2 of the length (512, 1024, … are evenly spaced); perplexity is drawn as its log, the mean
/// NLL in nats, because plain RoPE beyond its window reaches values that would flatten every other line.
/// </summary>
public static class LengthPlot
{
    /// <summary>A series per (name, JSON file); <paramref name="metric"/> is "ppl" or "accuracy".</summary>
    public static SvgLinePlot Build(IReadOnlyList<(string Name, string Json)> results, string metric, string title)
    {
        if (metric is not ("ppl" or "accuracy")) throw new ArgumentException($"unknown metric '{metric}' (ppl or accuracy)");
        var plot = new SvgLinePlot
        {
            Title = title,
            XLabel = "log2(length in tokens)",
            YLabel = metric == "ppl" ? "ln(perplexity) (nats/token)" : "passkey accuracy",
        };
        for (var i = 0; i < results.Count; i++)
        {
            var (name, json) = results[i];
            var points = Read(json, metric).Select(p => (Math.Log2(p.Length), metric == "ppl" ? Math.Log(p.Value) : p.Value)).ToList();
            plot.Series.Add(new PlotSeries(name, points, SvgLinePlot.Palette[i % SvgLinePlot.Palette.Length]));
            plot.Series.Add(new PlotSeries("", points, SvgLinePlot.Palette[i % SvgLinePlot.Palette.Length], Markers: true));
        }
        return plot;
    }

    /// <summary>(length, value) pairs of a result document's "results" array.</summary>
    public static IReadOnlyList<(int Length, double Value)> Read(string json, string metric)
    {
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("results", out var rows) || rows.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("expected an object with a \"results\" array (the output of eval ppl/passkey --json)");
        return rows.EnumerateArray().Select(r =>
            (r.GetProperty("length").GetInt32(),
             r.TryGetProperty(metric, out var v) ? v.GetDouble() : throw new InvalidDataException($"a result lacks \"{metric}\""))).ToList();
    }
}
