using System.Reflection;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Messaging;

namespace MemoryPlatform.Runtime.Activation;

/// <summary>
/// Which class implements each grain interface on this silo. Addressing is by interface
/// (<see cref="GrainTypeName"/>), so exactly one class may implement a given grain interface.
/// Registration validates every method signature up front, so a bad interface fails at startup.
/// </summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<string, GrainRegistration> _byType = new(StringComparer.Ordinal);

    public GrainTypeRegistry Add<TGrainInterface, TGrain>()
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface =>
        Add(typeof(TGrainInterface), typeof(TGrain));

    /// <summary>Registers every concrete <see cref="Grain"/> in the assembly under each grain interface it implements.</summary>
    public GrainTypeRegistry AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Grain).IsAssignableFrom(t)))
            foreach (var iface in type.GetInterfaces().Where(i => typeof(IGrainWithStringKey).IsAssignableFrom(i) &&
                                                                  i != typeof(IGrainWithStringKey)))
                Add(iface, type);
        return this;
    }

    public GrainTypeRegistry Add(Type grainInterface, Type implementation)
    {
        if (!implementation.IsAssignableTo(grainInterface) || !implementation.IsSubclassOf(typeof(Grain)))
            throw new ArgumentException($"{implementation} must derive from Grain and implement {grainInterface}");
        _ = GrainMethod.MethodsOf(grainInterface); // validates signatures now
        var name = GrainTypeName.Of(grainInterface);
        var registration = new GrainRegistration(name, grainInterface, implementation,
            implementation.IsDefined(typeof(ReentrantAttribute), inherit: true));
        if (_byType.TryGetValue(name, out var existing) && existing.Implementation != implementation)
            throw new InvalidOperationException(
                $"grain type '{name}' is implemented by both {existing.Implementation} and {implementation}");
        _byType[name] = registration;
        return this;
    }

    internal GrainRegistration? Find(string grainType) => _byType.GetValueOrDefault(grainType);

    public IReadOnlyCollection<string> GrainTypes => _byType.Keys;
}

internal sealed record GrainRegistration(string GrainType, Type Interface, Type Implementation, bool IsReentrant)
{
    public IReadOnlyDictionary<string, GrainMethod> Methods => GrainMethod.MethodsOf(Interface);
}
