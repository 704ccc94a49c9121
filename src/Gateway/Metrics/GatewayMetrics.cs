using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MemoryPlatform.Gateway.Metrics;

/// <summary>The gateway's instruments (meter "MemoryPlatform.Gateway"): requests by route, method and status; streamed tokens.</summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "MemoryPlatform.Gateway";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _tokens;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("memplat.gateway.requests", description: "HTTP requests answered, by route, method and status");
        _duration = _meter.CreateHistogram<double>("memplat.gateway.request.duration", unit: "s",
            description: "HTTP request latency, by route, method and status (streams: until the last event)");
        _tokens = _meter.CreateCounter<long>("memplat.gateway.query.tokens", description: "Answer tokens sent to clients");
    }

    public void RequestCompleted(string route, string method, int status, double seconds)
    {
        var tags = new TagList { { "route", route }, { "method", method }, { "status", status } };
        _requests.Add(1, tags);
        _duration.Record(seconds, tags);
    }

    public void TokenStreamed() => _tokens.Add(1);

    public void Dispose() => _meter.Dispose();
}
