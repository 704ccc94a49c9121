using System.Collections.Concurrent;
using System.Reflection;

namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// Names a grain interface on the wire and in Redis. A <see cref="GrainTypeAttribute"/> gives a
/// short name that survives namespace moves; otherwise the interface's full name is used.
/// </summary>
public static class GrainTypeName
{
    private static readonly ConcurrentDictionary<Type, string> Names = new();

    public static string Of(Type grainInterface) => Names.GetOrAdd(grainInterface, static t =>
    {
        if (!t.IsInterface || !typeof(IGrain).IsAssignableFrom(t))
            throw new ArgumentException($"{t} is not a grain interface");
        return t.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? t.FullName ?? t.Name;
    });
}

/// <summary>Stable wire name of a grain interface (no '/').</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
