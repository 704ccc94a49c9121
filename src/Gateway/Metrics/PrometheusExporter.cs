using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace MemoryPlatform.Gateway.Metrics;

/// <summary>
/// Prometheus text exposition (format 0.0.4) of this process's System.Diagnostics.Metrics instruments, collected
/// with a <see cref="MeterListener"/> (prometheus-net and the OpenTelemetry exporters do not restore here).
/// Meters are included by name prefix, and only when they are static (no scope) or belong to this host's
/// <see cref="IMeterFactory"/>, so two hosts in one process never report each other's instruments.
/// Counters become <c>_total</c> counters, up-down counters and gauges become gauges, histograms get fixed
/// buckets chosen from the unit. Observable instruments are read at scrape time.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly string[] MeterPrefixes =
        ["MemoryPlatform.", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting", "System.Runtime"];

    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    private static readonly double[] MillisecondsBuckets = SecondsBuckets.Select(b => b * 1000).ToArray();
    private static readonly double[] PlainBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000];

    private readonly IMeterFactory _meterFactory;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentData> _instruments = new();
    private readonly object _scrapeLock = new();

    public PrometheusExporter(IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!Include(instrument.Meter)) return;
            _instruments[instrument] = new InstrumentData(instrument);
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentData? _);
        _listener.SetMeasurementEventCallback<byte>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<short>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<float>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<decimal>((i, v, t, _) => Record(i, (double)v, t));
        _listener.Start();
    }

    private bool Include(Meter meter) =>
        (meter.Scope is null || ReferenceEquals(meter.Scope, _meterFactory)) &&
        MeterPrefixes.Any(p => meter.Name.StartsWith(p, StringComparison.Ordinal));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_instruments.TryGetValue(instrument, out var data)) data.Record(value, tags);
    }

    /// <summary>The exposition text of every included instrument that has recorded something.</summary>
    public string Scrape()
    {
        lock (_scrapeLock)
        {
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var group in _instruments.Values.GroupBy(d => d.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = group.First();
                if (group.All(d => d.IsEmpty)) continue;
                text.Append("# HELP ").Append(group.Key).Append(' ').Append(EscapeHelp(first.Instrument.Description ?? first.Instrument.Name)).Append('\n');
                text.Append("# TYPE ").Append(group.Key).Append(' ').Append(first.PrometheusType).Append('\n');
                foreach (var data in group) data.Write(text);
            }
            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private enum Kind { Sum, LastValue, Histogram }

    /// <summary>One instrument's series, keyed by its label set.</summary>
    private sealed class InstrumentData
    {
        private readonly ConcurrentDictionary<string, Series> _series = new();
        private readonly Kind _kind;
        private readonly double[] _buckets;

        public InstrumentData(Instrument instrument)
        {
            Instrument = instrument;
            var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
            _kind = definition == typeof(Histogram<>) ? Kind.Histogram
                : definition == typeof(Counter<>) || definition == typeof(UpDownCounter<>) ? Kind.Sum
                : Kind.LastValue; // observable instruments report their current (cumulative) value; Gauge<T> its last
            var monotonic = definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>);
            PrometheusType = _kind == Kind.Histogram ? "histogram" : monotonic ? "counter" : "gauge";
            _buckets = instrument.Unit switch { "s" => SecondsBuckets, "ms" => MillisecondsBuckets, _ => PlainBuckets };
            Name = MetricName(instrument, monotonic);
        }

        public Instrument Instrument { get; }
        public string Name { get; }
        public string PrometheusType { get; }
        public bool IsEmpty => _series.IsEmpty;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = Labels(tags);
            var series = _series.GetOrAdd(labels, static (_, buckets) => new Series(buckets.Length), _buckets);
            lock (series)
            {
                switch (_kind)
                {
                    case Kind.Sum: series.Value += value; break;
                    case Kind.LastValue: series.Value = value; break;
                    default:
                        series.Count++;
                        series.Value += value;
                        var i = Array.BinarySearch(_buckets, value);
                        series.Buckets[i >= 0 ? i : ~i]++; // first bucket whose bound >= value (the last one is +Inf)
                        break;
                }
            }
        }

        public void Write(StringBuilder text)
        {
            foreach (var (labels, series) in _series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (_kind != Kind.Histogram)
                    {
                        Line(text, Name, labels, null, series.Value);
                        continue;
                    }
                    long cumulative = 0;
                    for (var b = 0; b <= _buckets.Length; b++)
                    {
                        cumulative += series.Buckets[b];
                        var le = b < _buckets.Length ? Format(_buckets[b]) : "+Inf";
                        Line(text, Name + "_bucket", labels, "le=\"" + le + "\"", cumulative);
                    }
                    Line(text, Name + "_sum", labels, null, series.Value);
                    Line(text, Name + "_count", labels, null, series.Count);
                }
            }
        }

        private static void Line(StringBuilder text, string name, string labels, string? extra, double value)
        {
            text.Append(name);
            if (labels.Length > 0 || extra is not null)
            {
                text.Append('{').Append(labels);
                if (extra is not null) text.Append(labels.Length > 0 ? "," : "").Append(extra);
                text.Append('}');
            }
            text.Append(' ').Append(Format(value)).Append('\n');
        }
    }

    private sealed class Series(int bucketCount)
    {
        public double Value;
        public long Count;
        public readonly long[] Buckets = new long[bucketCount + 1];
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<(string Name, string Value)>(tags.Length);
        foreach (var tag in tags)
            pairs.Add((Sanitize(tag.Key), Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? ""));
        pairs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var text = new StringBuilder();
        foreach (var (name, value) in pairs)
        {
            if (text.Length > 0) text.Append(',');
            text.Append(name).Append("=\"").Append(EscapeLabel(value)).Append('"');
        }
        return text.ToString();
    }

    private static string MetricName(Instrument instrument, bool monotonic)
    {
        var name = Sanitize(instrument.Name);
        var unit = instrument.Unit switch { "s" => "_seconds", "ms" => "_milliseconds", "By" => "_bytes", _ => "" };
        if (unit.Length > 0 && !name.EndsWith(unit, StringComparison.Ordinal)) name += unit;
        if (monotonic && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '_' or ':')) chars[i] = '_';
        return chars.Length > 0 && char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
    }

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
