using System.Text.Json;

namespace MemoryPlatform.ModelCore.Plotting;

/// <summary>
/// The tables of `eval icae --json` as lines, one per adapter of each result file:
/// - "bleu": median autoencoding BLEU-4 (fp16 slots) against the passage length in tokens;
/// - "tasks": exact-match task accuracy against the number of spans (log2), with slots and with the raw context;
/// - "ppl": continuation perplexity against the context multiple (log2), from slots and from the raw context.
/// The raw-context lines are the first file's: every adapter of one evaluation shares them.
/// </summary>
public static class IcaeResultPlot
{
    public static readonly string[] Metrics = ["bleu", "tasks", "ppl"];

    private const string RawColor = "#000000";

    /// <summary>A line per adapter of each (name, JSON) result; a file with several adapters names each by its directory.</summary>
    public static SvgLinePlot Build(IReadOnlyList<(string Name, string Json)> results, string metric, string title)
    {
        if (!Metrics.Contains(metric)) throw new ArgumentException($"unknown metric '{metric}' ({string.Join(", ", Metrics)})");
        var plot = new SvgLinePlot
        {
            Title = title,
            XLabel = metric switch { "bleu" => "passage length (tokens)", "tasks" => "log2(spans)", _ => "log2(context multiple: 512-token spans)" },
            YLabel = metric switch { "bleu" => "median BLEU-4 (fp16 slots)", "tasks" => "task accuracy (exact match)", _ => "continuation perplexity" },
        };
        var color = 0;
        IReadOnlyList<(double X, double Y)>? raw = null;
        foreach (var (name, json) in results)
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("adapters", out var adapters) || adapters.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{name}: expected an object with an \"adapters\" array (the output of eval icae --json)");
            var count = adapters.GetArrayLength();
            foreach (var adapter in adapters.EnumerateArray())
            {
                var label = count == 1 ? name : $"{name}: {Path.GetFileName(adapter.GetProperty("adapter").GetString()!.TrimEnd('/'))}";
                var (slots, rawPoints) = Read(adapter, metric);
                raw ??= rawPoints;
                Add(plot, metric == "bleu" ? label : $"slots, {label}", slots, SvgLinePlot.Palette[color++ % SvgLinePlot.Palette.Length]);
            }
        }
        if (raw is { Count: > 0 }) Add(plot, "raw context", raw, RawColor);
        return plot;
    }

    private static void Add(SvgLinePlot plot, string name, IReadOnlyList<(double X, double Y)> points, string color)
    {
        plot.Series.Add(new PlotSeries(name, points, color));
        plot.Series.Add(new PlotSeries("", points, color, Markers: true));
    }

    /// <summary>An adapter report's (x, y) points for <paramref name="metric"/>, and the raw-context points beside them (none for BLEU).</summary>
    private static (List<(double X, double Y)> Slots, List<(double X, double Y)> Raw) Read(JsonElement adapter, string metric)
    {
        List<(double, double)> slots = [], raw = [];
        switch (metric)
        {
            case "bleu":
                foreach (var row in Rows(adapter, "autoencoding").Where(r => r.GetProperty("format").GetString() == "fp16" && r.GetProperty("bleu").GetProperty("count").GetInt32() > 0))
                    slots.Add((row.GetProperty("tokens").GetInt32(), row.GetProperty("bleu").GetProperty("median").GetDouble()));
                break;
            case "tasks":
                foreach (var row in Rows(adapter, "tasks"))
                {
                    var x = Math.Log2(row.GetProperty("spans").GetInt32());
                    // A condition with nothing evaluated (skipped: past the decoder's window, or no reference) has no point.
                    if (Accuracy(row, "with_slots") is double s) slots.Add((x, s));
                    if (Accuracy(row, "with_raw_context") is double r) raw.Add((x, r));
                }
                break;
            default:
                foreach (var row in Rows(adapter, "continuation"))
                {
                    var x = Math.Log2(row.GetProperty("multiple").GetInt32());
                    if (Number(row, "slots_ppl") is double s) slots.Add((x, s));
                    if (Number(row, "raw_ppl") is double r) raw.Add((x, r));
                }
                break;
        }
        return (slots, raw);
    }

    private static IEnumerable<JsonElement> Rows(JsonElement adapter, string table) =>
        adapter.TryGetProperty(table, out var rows) && rows.ValueKind == JsonValueKind.Array ? rows.EnumerateArray() : [];

    private static double? Accuracy(JsonElement row, string condition) =>
        row.TryGetProperty(condition, out var c) && c.ValueKind == JsonValueKind.Object && c.GetProperty("evaluated").GetInt32() > 0
            ? c.GetProperty("accuracy").GetDouble() : null;

    private static double? Number(JsonElement row, string field) =>
        row.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
