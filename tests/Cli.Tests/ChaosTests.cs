using System.Text.Json;
using MemoryPlatform.Cli.Chaos;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Data;
using Xunit.Abstractions;

namespace MemoryPlatform.Cli.Tests;

/// <summary>
/// `memplat chaos --json` end to end, reduced (fewer documents and requests, two silo kills, a Redis restart) but on the
/// real thing: the CLI process starts a redis-server, silo processes and the gateway process on a real tiny ICAE model,
/// and every check of the full run applies.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private readonly TinyIcaeModel model = new();
    private readonly string state = Directory.CreateTempSubdirectory("memplat-chaos-").FullName;
    private bool passed;

    [Fact]
    public void Chaos_loses_no_acknowledged_document_answers_no_5xx_after_detection_and_refuses_every_malformed_request()
    {
        const int documents = 6, kills = 2, malformed = 600;
        var memplat = Path.Combine(AppContext.BaseDirectory, "memplat");
        var result = ProcessRunner.Run(memplat,
        [
            "chaos", "--json", "--model", model.ModelDir, "--state", state, "--documents", $"{documents}", "--document-chars", "400",
            "--kills", $"{kills}", "--interval", "4", "--malformed", $"{malformed}", "--overload", "40", "--queue", "4", "--settle-timeout", "120",
        ], stderrLine: output.WriteLine, timeout: TimeSpan.FromMinutes(15));

        Assert.True(result.ExitCode == 0, $"memplat chaos exited with {result.ExitCode} (logs kept in {state}):\n{result.StdErr}");
        var figures = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Empty(figures.GetProperty("failures").EnumerateArray());
        Assert.Equal(0, figures.GetProperty("documents_lost").GetInt32());
        Assert.Equal(0, figures.GetProperty("server_errors").GetInt32());
        Assert.Equal(documents, figures.GetProperty("documents_verified").GetInt32());
        Assert.Equal(kills + 1 + 5, figures.GetProperty("faults").GetInt32());   // SIGKILLs, the Redis restart, five damages
        Assert.Equal(malformed, figures.GetProperty("malformed_requests").GetInt32());
        Assert.True(figures.GetProperty("requests").GetInt32() > malformed + documents);
        Assert.InRange(figures.GetProperty("rss_growth_mb").GetDouble(), double.MinValue, new ChaosOptions
        {
            ModelDir = "", AdapterDir = "", StateDir = "",
        }.MaxRssGrowthMb);
        passed = true;
    }

    public void Dispose()
    {
        model.Dispose();
        if (!passed) return; // the platform's logs and Redis data stay for whoever reads the failure
        try { Directory.Delete(state, recursive: true); } catch (IOException) { }
    }
}
