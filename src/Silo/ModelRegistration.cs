using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;

namespace MemoryPlatform.Silo;

/// <summary>
/// The one place where the silo's <see cref="IMemoryModel"/> is registered: the ICAE model from Grains:Model. Without
/// a configured model the factory refuses with a clear message, so a silo without a model never joins the cluster.
/// </summary>
public static class ModelRegistration
{
    public const string NoModelMessage =
        "No model configured: set Grains:Model:Path (base model directory) and Grains:Model:AdapterPath (ICAE adapter). " +
        "The silo will not join the cluster without one.";

    public static IServiceCollection AddMemoryModel(this IServiceCollection services, ModelOptions options)
    {
        // A singleton: the container disposes it after the silo stopped. Resolved at startup, before the silo joins.
        services.AddSingleton<IMemoryModel>(_ => options.Path is null || options.AdapterPath is null
            ? throw new InvalidOperationException(NoModelMessage)
            : IcaeMemoryModel.Load(options.Path, options.AdapterPath, options.Device));
        return services;
    }
}
