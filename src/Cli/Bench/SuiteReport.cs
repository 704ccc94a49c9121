using System.Text.Json.Nodes;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// The report of `memplat bench all`: one JSON object per benchmark (<see cref="BenchOutcome.ToJson"/>), the
/// machine and model they ran on, and <c>all_targets_met</c>; the table is printed from that same JSON, so the two
/// never disagree.
/// </summary>
public static class SuiteReport
{
    /// <summary>Every benchmark of the suite ran and none missed its target (reported-only ratios do not count).</summary>
    public static bool AllTargetsMet(IReadOnlyList<BenchOutcome> outcomes, IReadOnlyCollection<string> skipped) =>
        skipped.Count == 0 && outcomes.All(o => o.Met != false);

    public static JsonObject ToJson(IReadOnlyList<BenchOutcome> outcomes, IReadOnlyCollection<string> skipped, JsonObject machine, JsonObject model,
                                    string command, DateTimeOffset date) => new()
    {
        ["benchmark"] = "all",
        ["command"] = command,
        ["date"] = date.ToString("u"),
        ["machine"] = machine.DeepClone(),
        ["model"] = model.DeepClone(),
        ["benchmarks"] = new JsonArray(outcomes.Select(o => (JsonNode)o.ToJson()).ToArray()),
        ["skipped"] = new JsonArray(skipped.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
        ["all_targets_met"] = AllTargetsMet(outcomes, skipped),
    };

    /// <summary>The table: one line per benchmark (ratio, target, verdict, the numbers behind the ratio).</summary>
    public static IEnumerable<string> Table(JsonObject report)
    {
        var machine = report["machine"]!;
        var model = report["model"]!;
        yield return $"bench all: {model["name"]} ({model["shape"]}); {machine["threads"]} libtorch threads on {machine["cores"]} cores, " +
                     $"{machine["cpu"]}; {report["date"]}";
        yield return $"{"benchmark",-9} {"ratio",7} {"target",7} {"met",-4} measured";
        foreach (var row in report["benchmarks"]!.AsArray().OfType<JsonNode>())
        {
            var ratio = row["ratio"]?.GetValue<double>() is double r ? r.ToString("F2") : "n/a";
            var met = row["met"]?.GetValue<bool>() switch { true => "yes", false => "NO", null => "-" };
            yield return $"{row["name"],-9} {ratio,7} {(string?)row["target"] ?? "report",7} {met,-4} {row["summary"]}";
        }
        var skipped = report["skipped"]!.AsArray();
        if (skipped.Count > 0) yield return "skipped: " + string.Join(", ", skipped.Select(s => (string)s!));
        yield return $"all targets met: {((bool)report["all_targets_met"]! ? "yes" : "no")}";
    }
}
