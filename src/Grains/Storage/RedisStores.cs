using MemoryPlatform.Runtime.Hosting;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// The two Redis roles the grains use: control data (metadata, tokens, tenants, the encode stream) and
/// slot blobs. They may be one instance (the default) or two; code never assumes a multi-key operation
/// spans both. Owns the multiplexers it opened itself.
/// </summary>
public sealed class RedisStores : IDisposable
{
    private readonly bool _owns;

    public RedisStores(IConnectionMultiplexer control, IConnectionMultiplexer slots, bool owns = false)
    {
        ControlConnection = control;
        SlotConnection = slots;
        _owns = owns;
    }

    public IConnectionMultiplexer ControlConnection { get; }
    public IConnectionMultiplexer SlotConnection { get; }
    public IDatabase Control => ControlConnection.GetDatabase();
    public IDatabase Slots => SlotConnection.GetDatabase();

    /// <summary>Opens the instances named in the options (one connection when both strings are equal or the slot one is empty).</summary>
    public static RedisStores Connect(string control, string? slots)
    {
        var controlConnection = ConnectionMultiplexer.Connect(RedisConnections.Options(control, "memplat-grains"));
        if (string.IsNullOrEmpty(slots) || slots == control) return new RedisStores(controlConnection, controlConnection, owns: true);
        return new RedisStores(controlConnection, ConnectionMultiplexer.Connect(RedisConnections.Options(slots, "memplat-slots")), owns: true);
    }

    public void Dispose()
    {
        if (!_owns) return;
        ControlConnection.Dispose();
        if (!ReferenceEquals(SlotConnection, ControlConnection)) SlotConnection.Dispose();
    }
}
