using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;

namespace MemoryPlatform.Silo;

/// <summary>
/// The one place where the silo's <see cref="IMemoryModel"/> is registered. Until the ICAE model lands this
/// registers a factory that refuses with a clear message, so a silo without a model never joins the cluster.
/// </summary>
public static class ModelRegistration
{
    public const string NoModelMessage =
        "No model configured: set Grains:Model:Path (base model directory) and Grains:Model:AdapterPath (ICAE adapter), " +
        "or register an IMemoryModel in ModelRegistration.AddMemoryModel. The silo will not join the cluster without one.";

    public static IServiceCollection AddMemoryModel(this IServiceCollection services, ModelOptions options)
    {
        // Register the real model here, e.g.:
        //   services.AddSingleton<IMemoryModel>(_ => IcaeMemoryModel.Load(options.Path!, options.AdapterPath!, options.Device));
        // (a singleton: the container disposes it after the silo stopped).
        services.AddSingleton<IMemoryModel>(_ => throw new InvalidOperationException(NoModelMessage));
        return services;
    }
}
