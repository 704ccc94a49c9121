using System.Collections.Concurrent;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>One request the chaos run sent: phase, route, when it ran (Stopwatch ticks), its status (0: no HTTP answer).</summary>
public sealed record RequestRecord(string Phase, string Method, string Path, long Start, long End, int Status, string? Detail);

/// <summary>Every request of the run, for the totals and for judging server errors against the <see cref="FaultTimeline"/>.</summary>
public sealed class RequestLedger
{
    private readonly ConcurrentQueue<RequestRecord> records = new();

    public void Add(RequestRecord record) => records.Enqueue(record);

    public int Count => records.Count;

    public IReadOnlyList<RequestRecord> Records => records.ToArray();

    /// <summary>
    /// Requests the platform failed: a 5xx the timeline does not excuse, or no HTTP answer at all (the gateway never
    /// dies in a chaos run, so a broken connection is the platform's fault too).
    /// </summary>
    public IReadOnlyList<RequestRecord> ServerErrors(FaultTimeline timeline) =>
        records.Where(r => (r.Status >= 500 || r.Status == 0) && !timeline.Excuses(r)).ToList();
}
