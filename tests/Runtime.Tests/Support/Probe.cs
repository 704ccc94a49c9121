using System.Collections.Concurrent;

namespace MemoryPlatform.Runtime.Tests.Support;

/// <summary>
/// Process-wide record of what test grains did, keyed by grain key (tests use fresh keys). Silos of
/// a test cluster share the process, so this sees every activation cluster-wide.
/// </summary>
public static class Probe
{
    private static readonly ConcurrentDictionary<string, Counters> ByKey = new();

    public static Counters For(string key) => ByKey.GetOrAdd(key, _ => new Counters());

    public sealed class Counters
    {
        private int _activations, _deactivations, _inFlight, _maxInFlight, _cancellations;
        public int Activations => Volatile.Read(ref _activations);
        public int Deactivations => Volatile.Read(ref _deactivations);
        public int MaxInFlight => Volatile.Read(ref _maxInFlight);
        public int Cancellations => Volatile.Read(ref _cancellations);
        public ConcurrentQueue<string> Silos { get; } = new();

        public void Activated(string silo)
        {
            Interlocked.Increment(ref _activations);
            Silos.Enqueue(silo);
        }

        public void Deactivated() => Interlocked.Increment(ref _deactivations);
        public void Cancelled() => Interlocked.Increment(ref _cancellations);

        public void Enter()
        {
            var now = Interlocked.Increment(ref _inFlight);
            int max;
            while (now > (max = Volatile.Read(ref _maxInFlight)) &&
                   Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
            {
            }
        }

        public void Exit() => Interlocked.Decrement(ref _inFlight);
    }
}
