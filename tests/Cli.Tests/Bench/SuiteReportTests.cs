using System.Text.Json.Nodes;
using MemoryPlatform.Cli.Bench;

namespace MemoryPlatform.Cli.Tests.Bench;

public sealed class SuiteReportTests
{
    private static BenchOutcome Outcome(string name, double ratio, double? target) =>
        new(name, "what " + name + " measures", ratio, "a / b", target is double t ? new BenchTarget(t) : null, $"{name} summary",
            new JsonObject { ["n"] = 1 });

    private static JsonObject Report(IReadOnlyList<BenchOutcome> outcomes, params string[] skipped) =>
        SuiteReport.ToJson(outcomes, skipped, new JsonObject { ["cpu"] = "test cpu", ["cores"] = 2, ["threads"] = 2 },
            new JsonObject { ["name"] = "tiny", ["shape"] = "d 8" }, "./memplat bench all --json", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Json_has_one_object_per_benchmark_with_its_ratio_target_and_verdict()
    {
        var report = Report([Outcome("encode", 1.2, 1.0), Outcome("ttft", 2.0, 3.5), Outcome("memory", 12.0, null)]);

        var rows = report["benchmarks"]!.AsArray();
        Assert.Equal(["encode", "ttft", "memory"], rows.Select(r => (string)r!["name"]!));
        Assert.Equal(1.2, (double)rows[0]!["ratio"]!);
        Assert.Equal(1.0, (double)rows[0]!["target_min"]!);
        Assert.Equal("≥ 1.0", (string)rows[0]!["target"]!);
        Assert.True((bool)rows[0]!["met"]!);
        Assert.False((bool)rows[1]!["met"]!);
        Assert.Null(rows[2]!["target"]);
        Assert.Null(rows[2]!["met"]);
        Assert.Equal(1, (int)rows[0]!["details"]!["n"]!);
        Assert.False((bool)report["all_targets_met"]!);
        Assert.Equal("./memplat bench all --json", (string)report["command"]!);
    }

    [Fact]
    public void All_targets_are_met_when_every_targeted_benchmark_passes_and_reported_ratios_do_not_count()
    {
        Assert.True((bool)Report([Outcome("encode", 1.0, 1.0), Outcome("memory", 0.1, null)])["all_targets_met"]!);
    }

    [Fact]
    public void A_run_that_skipped_benchmarks_does_not_claim_all_targets()
    {
        var report = Report([Outcome("encode", 3.0, 1.0)], "ingest");
        Assert.False((bool)report["all_targets_met"]!);
        Assert.Equal("ingest", (string)report["skipped"]![0]!);
    }

    [Fact]
    public void Table_prints_a_line_per_benchmark_and_the_verdict()
    {
        var lines = SuiteReport.Table(Report([Outcome("encode", 1.25, 1.0), Outcome("decode", 3.0, 4.0), Outcome("memory", 12.0, null)])).ToArray();

        Assert.Contains(lines, l => l.StartsWith("encode") && l.Contains("1.25") && l.Contains("yes") && l.Contains("encode summary"));
        Assert.Contains(lines, l => l.StartsWith("decode") && l.Contains("NO"));
        Assert.Contains(lines, l => l.StartsWith("memory") && l.Contains("report"));
        Assert.Equal("all targets met: no", lines[^1]);
    }

    [Fact]
    public void An_unmeasured_ratio_is_written_as_null_and_fails_its_target()
    {
        var row = Report([Outcome("ingest", double.NaN, 0.8)])["benchmarks"]![0]!;
        Assert.Null(row["ratio"]);
        Assert.False((bool)row["met"]!);
    }
}
