using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MemoryPlatform.Runtime.Hosting;

/// <summary>
/// The runtime's instruments (meter "MemoryPlatform.Runtime"), tagged with the silo (or client) id.
/// One static meter: an in-process test cluster's silos are told apart by the tag.
/// </summary>
public sealed class RuntimeMetrics
{
    public const string MeterName = "MemoryPlatform.Runtime";

    private static readonly Meter Meter = new(MeterName);
    private static readonly UpDownCounter<long> Activations =
        Meter.CreateUpDownCounter<long>("memplat.runtime.activations", description: "Live activations");
    private static readonly Counter<long> ActivationsCreated =
        Meter.CreateCounter<long>("memplat.runtime.activations.created", description: "Activations created");
    private static readonly Counter<long> Calls =
        Meter.CreateCounter<long>("memplat.runtime.calls", description: "Grain calls made, by outcome");
    private static readonly Histogram<double> CallDuration =
        Meter.CreateHistogram<double>("memplat.runtime.call.duration", unit: "ms", description: "Grain call latency");
    private static readonly Counter<long> Forwarded =
        Meter.CreateCounter<long>("memplat.runtime.calls.forwarded", description: "Calls passed on to the owning silo");
    private static readonly Counter<long> Retried =
        Meter.CreateCounter<long>("memplat.runtime.calls.retried", description: "Undelivered calls retried");

    private readonly KeyValuePair<string, object?> _silo;

    public RuntimeMetrics(string siloId) => _silo = new("silo", siloId);

    public void ActivationAdded()
    {
        Activations.Add(1, _silo);
        ActivationsCreated.Add(1, _silo);
    }

    public void ActivationRemoved() => Activations.Add(-1, _silo);

    public void CallCompleted(string grainType, string method, double milliseconds, string outcome)
    {
        var tags = new TagList { _silo, { "grain", grainType }, { "method", method }, { "outcome", outcome } };
        Calls.Add(1, tags);
        CallDuration.Record(milliseconds, tags);
    }

    public void CallForwarded() => Forwarded.Add(1, _silo);

    public void CallRetried() => Retried.Add(1, _silo);
}
