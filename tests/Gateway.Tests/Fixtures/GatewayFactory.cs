using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// The real gateway (Program) on a real Kestrel port, configured by the settings given (Gateway:*, Cluster:*) and, where a
/// test needs other server limits, by a Kestrel callback (the gateway binds no Kestrel section of its own).
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<KestrelServerOptions>? _kestrel;

    public GatewayFactory(IReadOnlyDictionary<string, string?> settings, Action<KestrelServerOptions>? kestrel = null)
    {
        _settings = settings;
        _kestrel = kestrel;
        UseKestrel(0);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        if (_kestrel is not null) builder.ConfigureKestrel(_kestrel);
    }

    /// <summary>Starts the server (once) and returns its http://127.0.0.1:port/ address.</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1").Replace("localhost", "127.0.0.1") + "/");
        }
    }

    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        return client;
    }
}
