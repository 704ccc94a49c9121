using System.Reflection;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Runtime.Messaging;

/// <summary>Creates proxies bound to one router (a silo's or a client's).</summary>
internal sealed class GrainFactory : IGrainFactory
{
    private GrainCallRouter? _router;

    /// <summary>The router is attached after construction: the catalog needs the factory first.</summary>
    public void Attach(GrainCallRouter router) => _router = router;

    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        var router = _router ?? throw new InvalidOperationException("the silo or client is not started");
        var grainId = GrainId.Create<TGrainInterface>(key);
        _ = GrainMethod.MethodsOf(typeof(TGrainInterface)); // reject unsupported signatures at the call site
        var proxy = DispatchProxy.Create<TGrainInterface, GrainReference>();
        ((GrainReference)(object)proxy!).Initialize(grainId, router);
        return proxy;
    }
}
