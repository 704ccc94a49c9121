using System.Text.Json.Nodes;
using System.Xml.Linq;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Data;
using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.Cli.Tests;

/// <summary>
/// `memplat plot icae` draws what `memplat eval icae --json` printed, and `memplat eval compare` pairs such results: a
/// real evaluation of the tiny model, then its plots and comparisons.
/// </summary>
public sealed class PlotIcaeCommandTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly TinyIcaeModel model = new();
    private readonly string root = Directory.CreateTempSubdirectory("memplat-plot-icae-").FullName;

    private static ProcessRunner.Result Memplat(params string[] args) =>
        ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"), args, timeout: TimeSpan.FromMinutes(3));

    [Fact]
    public void Each_table_of_an_evaluation_becomes_a_line_per_adapter_beside_the_raw_context()
    {
        var test = Path.Combine(root, "test.txt");
        File.WriteAllText(test, string.Join("\n<|doc|>\n", Enumerable.Range(0, 4).Select(d => string.Join(' ', Enumerable.Range(d * 30, 30).Select(TinyIcaeModel.Sentence)))));
        var tasks = Path.Combine(root, "tasks.jsonl");
        IcaeTaskGenerator.WriteJsonl(tasks, Enumerable.Range(0, 2).SelectMany(i => new[]
        {
            new IcaeTaskSample(TinyIcaeModel.Sentence(i), "When?", $"{1850 + i}", "code", 1, 0, 0, TinyIcaeModel.Sentence(i)),
            new IcaeTaskSample(TinyIcaeModel.Sentence(i) + "\n" + TinyIcaeModel.Sentence(i + 1), "When?", $"{1850 + i}", "code", 2, 0, 0, TinyIcaeModel.Sentence(i)),
        }));
        var eval = Memplat("eval", "icae", "--model", model.ModelDir, "--adapter", model.AdapterDir, "--file", test, "--tasks", tasks, "--samples", "2",
                           "--lengths", "8,16,32", "--contexts", "1,2", "--continuation-tokens", "8", "--task-spans", "1,2", "--dtype", "f32", "--json");
        Assert.True(eval.ExitCode == 0, eval.StdErr);
        var json = Path.Combine(root, "eval.json");
        File.WriteAllText(json, eval.StdOut);

        // metric → (lines, points per line): BLEU has no raw-context line.
        foreach (var (metric, lines, points) in new[] { ("bleu", 1, 3), ("tasks", 2, 2), ("ppl", 2, 2) })
        {
            var svg = Path.Combine(root, metric + ".svg");
            var plot = Memplat("plot", "icae", "--result", $"tiny={json}", "--metric", metric, "--out", svg);
            Assert.True(plot.ExitCode == 0, plot.StdErr);
            var polylines = XDocument.Load(svg).Descendants(Svg + "polyline").ToList();
            Assert.Equal(lines, polylines.Count);
            Assert.All(polylines, p => Assert.Equal(points, p.Attribute("points")!.Value.Split(' ').Length));
            if (metric != "bleu") Assert.Contains(XDocument.Load(svg).Descendants(Svg + "text"), t => t.Value == "raw context");
        }

        // A file that collects evaluations under names: NAME=FILE#KEY takes one.
        var collected = Path.Combine(root, "collected.json");
        File.WriteAllText(collected, $$$"""{"first": {"command": "eval icae", "report": {{{eval.StdOut}}}}}""");
        var keyed = Memplat("plot", "icae", "--result", $"tiny={collected}#first/report", "--metric", "tasks", "--out", Path.Combine(root, "keyed.svg"));
        Assert.True(keyed.ExitCode == 0, keyed.StdErr);
        Assert.Equal(File.ReadAllText(Path.Combine(root, "tasks.svg")), File.ReadAllText(Path.Combine(root, "keyed.svg")));
        var missing = Memplat("plot", "icae", "--result", $"tiny={collected}#second/report", "--out", Path.Combine(root, "z.svg"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("has no \"second/report\"", missing.StdErr);

        var unknown = Memplat("plot", "icae", "--result", $"tiny={json}", "--metric", "rouge", "--out", Path.Combine(root, "x.svg"));
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("bleu, tasks, ppl", unknown.StdErr);
        File.WriteAllText(Path.Combine(root, "other.json"), """{"results": []}""");
        var wrong = Memplat("plot", "icae", "--result", $"other={Path.Combine(root, "other.json")}", "--out", Path.Combine(root, "y.svg"));
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("eval icae --json", wrong.StdErr);

        // eval compare: the same adapter on the same passages differs by nothing, at every length and format.
        var same = Memplat("eval", "compare", "--result", $"a={json}", $"b={collected}#first/report", "--json");
        Assert.True(same.ExitCode == 0, same.StdErr);
        var rows = JsonNode.Parse(same.StdOut)!["comparisons"]![0]!["autoencoding"]!.AsArray();
        Assert.Equal(6, rows.Count);   // 3 lengths × fp16, int8
        Assert.All(rows, r =>
        {
            Assert.Equal(0, r!["difference"]!.GetValue<double>());
            Assert.Equal(0, r["better"]!.GetValue<int>() + r["worse"]!.GetValue<int>());
        });
        Assert.Contains("against a", Memplat("eval", "compare", "--result", $"a={json}", $"b={json}").StdOut);
        // Another seed draws other passages: no paired comparison.
        var reseeded = Path.Combine(root, "reseeded.json");
        File.WriteAllText(reseeded, eval.StdOut.Replace("\"seed\":0", "\"seed\":1"));
        var refused = Memplat("eval", "compare", "--result", $"a={json}", $"b={reseeded}");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("other passages", refused.StdErr);
        // The same paths with other bytes (a task file regenerated in place): refused on the recorded hashes ...
        var settings = JsonNode.Parse(File.ReadAllText(json))!["settings"]!;
        var hash = settings["tasks_sha256"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{64}$", hash);
        var rehashed = Path.Combine(root, "rehashed.json");
        File.WriteAllText(rehashed, File.ReadAllText(json).Replace(hash, new string('0', 64)));
        var changed = Memplat("eval", "compare", "--result", $"a={json}", $"b={rehashed}");
        Assert.NotEqual(0, changed.ExitCode);
        Assert.Contains("tasks_sha256", changed.StdErr);
        // ... while a result written before hashes were recorded is taken on its paths.
        var unhashed = JsonNode.Parse(File.ReadAllText(json))!;
        unhashed["settings"]!.AsObject().Remove("file_sha256");
        unhashed["settings"]!.AsObject().Remove("tasks_sha256");
        File.WriteAllText(Path.Combine(root, "unhashed.json"), unhashed.ToJsonString());
        var old = Memplat("eval", "compare", "--result", $"a={json}", $"b={Path.Combine(root, "unhashed.json")}");
        Assert.True(old.ExitCode == 0, old.StdErr);
        File.WriteAllText(Path.Combine(root, "empty.json"), "");
        var empty = Memplat("eval", "compare", "--result", $"a={json}", $"b={Path.Combine(root, "empty.json")}");
        Assert.NotEqual(0, empty.ExitCode);
        Assert.Contains("b: not the JSON of eval icae --json", empty.StdErr);
        var alone = Memplat("eval", "compare", "--result", $"a={json}");
        Assert.NotEqual(0, alone.ExitCode);
        Assert.Contains("at least two adapters", alone.StdErr);
    }

    public void Dispose()
    {
        model.Dispose();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
