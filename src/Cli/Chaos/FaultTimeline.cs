using System.Diagnostics;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// When each injected fault was in force: from the moment it was injected until the platform was seen to have noticed
/// it (a killed silo gone from the gateway's membership view; Redis answering the gateway's readiness again).
/// A request is excused a retryable failure (429, 503, 504) only if it was in flight during such a window; any other
/// 5xx, and any 5xx of a request that started after the window closed, is a server error.
/// Times are <see cref="Stopwatch.GetTimestamp"/> ticks, shared with the <see cref="RequestLedger"/>.
/// </summary>
public sealed class FaultTimeline
{
    private readonly List<Fault> faults = [];

    public sealed class Fault(string kind, long injected)
    {
        public string Kind { get; } = kind;
        public long Injected { get; } = injected;
        public long? Detected { get; set; }
    }

    public IReadOnlyList<Fault> Faults { get { lock (faults) return faults.ToList(); } }

    public Fault Begin(string kind, long? at = null)
    {
        var fault = new Fault(kind, at ?? Stopwatch.GetTimestamp());
        lock (faults) faults.Add(fault);
        return fault;
    }

    public void Detected(Fault fault, long? at = null)
    {
        lock (faults) fault.Detected = at ?? Stopwatch.GetTimestamp();
    }

    public static bool IsRetryable(int status) => status is 429 or 503 or 504;

    /// <summary>True when the request's failure is one a client is told to retry, and it overlapped a fault window.</summary>
    public bool Excuses(RequestRecord request)
    {
        if (!IsRetryable(request.Status)) return false;
        lock (faults)
            return faults.Any(f => request.Start <= (f.Detected ?? long.MaxValue) && request.End >= f.Injected);
    }
}
