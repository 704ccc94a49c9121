using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemoryPlatform.ModelCore.Evaluation;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// `memplat eval compare`: adapters of `eval icae --json` results against the first one, on the same passages and task
/// samples: per length and slot format the median BLEU difference with its paired-bootstrap interval, then continuation
/// perplexity and task accuracy side by side. Results from other passages (another file, seed or sample count) are refused.
/// </summary>
public static class EvalCompareCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var results = new Option<string[]>("--result")
        {
            Description = "NAME=FILE or NAME=FILE#KEY: the JSON of eval icae --json (repeatable); its first adapter is the baseline of every other",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var command = new Command("compare", "Adapters against a baseline on the same passages: median BLEU differences with 95 % paired-bootstrap intervals");
        command.Options.Add(results);
        command.Options.Add(json);
        command.SetAction(parse => CommandErrors.Run("eval compare", () =>
        {
            var report = Compare(ResultFiles.Named(parse.GetValue(results)!));
            Console.Write(parse.GetValue(json) ? report.ToJsonString(Indented) + "\n" : Tables(report));
        }));
        return command;
    }

    /// <summary>Every adapter of every result, in order (NAME, or NAME/i where a result holds several), against the first.</summary>
    public static JsonObject Compare(IReadOnlyList<(string Name, string Json)> named)
    {
        var entries = new List<(string Name, JsonNode Adapter, JsonNode? Settings)>();
        foreach (var (name, text) in named)
        {
            JsonNode root;
            try { root = JsonNode.Parse(text) ?? throw new InvalidDataException($"{name}: empty JSON"); }
            catch (JsonException e) { throw new InvalidDataException($"{name}: not the JSON of eval icae --json ({e.Message})", e); }
            var adapters = root["adapters"]?.AsArray() ?? throw new InvalidDataException($"{name}: not the JSON of eval icae --json (no \"adapters\")");
            for (var i = 0; i < adapters.Count; i++)
                entries.Add((adapters.Count == 1 ? name : $"{name}/{i}", adapters[i]!, root["settings"]));
        }
        if (entries.Count < 2) throw new ArgumentException("--result: name at least two adapters (the first is the baseline)");
        var (baseName, baseline, baseSettings) = entries[0];
        var comparisons = new JsonArray();
        foreach (var (name, other, settings) in entries.Skip(1))
        {
            SamePassages(baseName, baseSettings, name, settings);
            comparisons.Add(new JsonObject
            {
                ["name"] = name, ["adapter"] = other["adapter"]?.GetValue<string>(),
                ["autoencoding"] = Autoencoding(baseline, other, name), ["continuation"] = Continuation(baseline, other), ["tasks"] = Tasks(baseline, other),
            });
        }
        return new JsonObject { ["baseline"] = baseName, ["baseline_adapter"] = baseline["adapter"]?.GetValue<string>(), ["comparisons"] = comparisons };
    }

    /// <summary>The settings that decide which passages and samples are drawn must agree (results without settings are taken as given).</summary>
    private static void SamePassages(string baseName, JsonNode? a, string name, JsonNode? b)
    {
        if (a is null || b is null) return;
        foreach (var key in new[] { "file", "tasks", "samples", "seed" })
            if (a[key]?.ToJsonString() != b[key]?.ToJsonString())
                throw new ArgumentException($"{name} was scored on other passages than {baseName}: {key} {b[key]?.ToJsonString()} against {a[key]?.ToJsonString()}");
        // The same path may hold other bytes (a data directory rebuilt with other options); results written before the
        // hashes were recorded lack them and are taken on their paths.
        foreach (var key in new[] { "file_sha256", "tasks_sha256" })
            if (a[key] is { } x && b[key] is { } y && x.ToJsonString() != y.ToJsonString())
                throw new ArgumentException($"{name} was scored on other passages than {baseName}: {key} {y.ToJsonString()} against {x.ToJsonString()} (the file at that path has changed)");
        // Passages are windows of the longest length; shorter lengths are their prefixes.
        static int? Longest(JsonNode settings) => settings["lengths"]?.AsArray().Max(l => l!.GetValue<int>());
        if (Longest(a) != Longest(b))
            throw new ArgumentException($"{name} was scored on other passages than {baseName}: windows of {Longest(b)} tokens against {Longest(a)}");
    }

    private static JsonArray Autoencoding(JsonNode baseline, JsonNode other, string name)
    {
        var rows = new JsonArray();
        foreach (var b in Rows(baseline, "autoencoding"))
        {
            int tokens = b["tokens"]!.GetValue<int>();
            var format = b["format"]!.GetValue<string>();
            var o = Rows(other, "autoencoding").FirstOrDefault(r => r["tokens"]!.GetValue<int>() == tokens && r["format"]!.GetValue<string>() == format);
            if (o is null || b["passage_bleu"] is not JsonArray bp || o["passage_bleu"] is not JsonArray op) continue;
            var c = BleuComparison.Of(tokens, format, Doubles(bp), Doubles(op));
            rows.Add(new JsonObject
            {
                ["tokens"] = tokens, ["format"] = format, ["baseline_median"] = c.BaselineMedian, ["median"] = c.OtherMedian,
                ["difference"] = c.MedianDifference, ["difference_low"] = c.Low, ["difference_high"] = c.High, ["better"] = c.Better, ["worse"] = c.Worse,
            });
        }
        return rows.Count > 0 ? rows : throw new InvalidDataException($"{name}: no autoencoding length with per-passage BLEU (passage_bleu) in common with the baseline");
    }

    private static JsonArray Continuation(JsonNode baseline, JsonNode other) => new(Rows(baseline, "continuation")
        .Select(b => (b, o: Rows(other, "continuation").FirstOrDefault(r => r["multiple"]!.GetValue<int>() == b["multiple"]!.GetValue<int>())))
        .Where(p => p.o is not null)
        .Select(p => (JsonNode)new JsonObject
        {
            ["multiple"] = p.b["multiple"]!.GetValue<int>(), ["raw_ppl"] = p.b["raw_ppl"]?.DeepClone(),
            ["baseline_slots_ppl"] = p.b["slots_ppl"]?.DeepClone(), ["slots_ppl"] = p.o!["slots_ppl"]?.DeepClone(),
        }).ToArray());

    private static JsonArray Tasks(JsonNode baseline, JsonNode other) => new(Rows(baseline, "tasks")
        .Select(b => (b, o: Rows(other, "tasks").FirstOrDefault(r => r["spans"]!.GetValue<int>() == b["spans"]!.GetValue<int>())))
        .Where(p => p.o is not null)
        .Select(p => (JsonNode)new JsonObject
        {
            ["spans"] = p.b["spans"]!.GetValue<int>(), ["evaluated"] = p.b["with_slots"]!["evaluated"]!.GetValue<int>(),
            ["baseline_correct"] = p.b["with_slots"]!["correct"]!.GetValue<int>(), ["correct"] = p.o!["with_slots"]!["correct"]!.GetValue<int>(),
        }).ToArray());

    private static IEnumerable<JsonNode> Rows(JsonNode adapter, string table) => adapter[table]?.AsArray().OfType<JsonNode>() ?? [];

    private static double[] Doubles(JsonArray values) => values.Select(v => v!.GetValue<double>()).ToArray();

    private static string Tables(JsonObject report)
    {
        var s = new StringBuilder();
        string F(JsonNode? n, string format = "F4") => n is null ? "-" : n.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);
        string Signed(JsonNode? n) => n is null ? "-" : n.GetValue<double>().ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);
        foreach (var c in report["comparisons"]!.AsArray().OfType<JsonNode>())
        {
            s.AppendLine($"{c["name"]} against {report["baseline"]} (median BLEU-4, the same passages; 95 % paired-bootstrap interval of the difference)");
            s.AppendLine("  tokens format  baseline     other  difference  interval             better  worse");
            foreach (var r in c["autoencoding"]!.AsArray().OfType<JsonNode>())
                s.AppendLine($"  {r["tokens"],6} {r["format"],-6} {F(r["baseline_median"]),9} {F(r["median"]),9} {Signed(r["difference"]),11}  " +
                             $"{Signed(r["difference_low"])} .. {Signed(r["difference_high"])}  {r["better"],6} {r["worse"],6}");
            foreach (var r in c["continuation"]!.AsArray().OfType<JsonNode>())
                s.AppendLine($"  continuation {r["multiple"]}x: ppl {F(r["baseline_slots_ppl"], "F2")} -> {F(r["slots_ppl"], "F2")} (raw {F(r["raw_ppl"], "F2")})");
            foreach (var r in c["tasks"]!.AsArray().OfType<JsonNode>())
                s.AppendLine($"  tasks, {r["spans"]} span(s): {r["baseline_correct"]} -> {r["correct"]} of {r["evaluated"]} right with slots");
            s.AppendLine();
        }
        return s.ToString();
    }
}
