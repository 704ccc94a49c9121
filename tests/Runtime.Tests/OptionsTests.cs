using MemoryPlatform.Runtime.Hosting;
using Microsoft.Extensions.Configuration;

namespace MemoryPlatform.Runtime.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Silo_options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:ClusterId"] = "prod",
            ["Silo:RedisConnectionString"] = "redis-control:6379",
            ["Silo:AdvertisedHost"] = "10.0.0.7",
            ["Silo:Port"] = "12000",
            ["Silo:Membership:HeartbeatPeriod"] = "00:00:05",
            ["Silo:Membership:MissedHeartbeatsBeforeDeath"] = "4",
            ["Silo:Calls:DefaultTimeout"] = "00:02:00",
            ["Silo:Activation:CollectionAge"] = "00:30:00",
            ["Silo:Activation:MaxQueueLength"] = "100",
        }).Build();

        var options = SiloOptions.FromConfiguration(configuration.GetSection("Silo"));

        Assert.Equal("prod", options.ClusterId);
        Assert.Equal("redis-control:6379", options.RedisConnectionString);
        Assert.Equal("10.0.0.7", options.AdvertisedHost);
        Assert.Equal(12000, options.Port);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Membership.DeathTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Calls.DefaultTimeout);
        Assert.Equal(TimeSpan.FromMinutes(30), options.Activation.CollectionAge);
        Assert.Equal(100, options.Activation.MaxQueueLength);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Membership.RefreshPeriod); // untouched default
    }
}
