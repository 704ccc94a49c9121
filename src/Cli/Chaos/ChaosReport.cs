using System.Text.Json.Nodes;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// The run's figures (what `memplat chaos --json` prints) and every check that failed, in words. The run passes when
/// no check failed; documents_lost and server_errors are among the checks.
/// </summary>
public sealed class ChaosReport
{
    private readonly List<string> failures = [];

    public int Requests { get; set; }
    public int Faults { get; set; }
    public int DocumentsVerified { get; set; }
    public int DocumentsLost { get; set; }
    public int ServerErrors { get; set; }
    public int MalformedRequests { get; set; }

    /// <summary>RSS growth of the gateway and silos (MB) over the malformed-request flood.</summary>
    public double RssGrowthMb { get; set; }

    public IReadOnlyList<string> Failures { get { lock (failures) return failures.ToList(); } }

    public bool Passed => Failures.Count == 0;

    public void Fail(string message)
    {
        lock (failures) failures.Add(message);
    }

    public JsonObject ToJson() => new()
    {
        ["requests"] = Requests,
        ["faults"] = Faults,
        ["documents_verified"] = DocumentsVerified,
        ["documents_lost"] = DocumentsLost,
        ["server_errors"] = ServerErrors,
        ["malformed_requests"] = MalformedRequests,
        ["rss_growth_mb"] = Math.Round(RssGrowthMb, 1),
        ["failures"] = new JsonArray(Failures.Select(f => (JsonNode)f).ToArray()),
    };
}
