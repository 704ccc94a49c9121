using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.Runtime.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MemoryPlatform.Silo.Tests;

/// <summary>The silo host: refuses to run without a model; with one (and Redis) it joins and answers its probes.</summary>
public class SiloHostTests
{
    [Fact]
    public void Without_a_model_the_silo_refuses_to_start_and_says_why()
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.UseSetting("Grains:ControlRedis", "127.0.0.1:1").UseSetting("Silo:Port", "0"));
        var e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("No model configured", e.ToString());
    }

    [Fact]
    public async Task With_a_model_and_redis_the_silo_joins_and_answers_its_probes()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("Grains:ControlRedis", redis.ConnectionString)
            .UseSetting("Silo:Port", "0").UseSetting("Silo:AdvertisedHost", "127.0.0.1").UseSetting("Silo:ListenAddress", "127.0.0.1")
            .ConfigureTestServices(s => s.AddSingleton<IMemoryModel>(new EchoModel())));
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", (await ready.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["status"]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/nothing-here")).StatusCode);
    }

    [Fact]
    public async Task The_silo_is_not_ready_while_its_redis_is_down_and_ready_again_once_it_is_back()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("Grains:ControlRedis", redis.ConnectionString)
            .UseSetting("Silo:Port", "0").UseSetting("Silo:AdvertisedHost", "127.0.0.1").UseSetting("Silo:ListenAddress", "127.0.0.1")
            .ConfigureTestServices(s => s.AddSingleton<IMemoryModel>(new EchoModel())));
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        await redis.StopAsync();
        Assert.Equal("redis unreachable", await ReadyzUntilAsync(client, HttpStatusCode.ServiceUnavailable));
        await redis.StartAgainAsync();
        Assert.Equal("ready", await ReadyzUntilAsync(client, HttpStatusCode.OK));
    }

    private static async Task<string> ReadyzUntilAsync(HttpClient client, HttpStatusCode expected)
    {
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            using var response = await client.GetAsync("/readyz");
            if (response.StatusCode == expected) return (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["status"];
            if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"/readyz still {(int)response.StatusCode}, not {(int)expected}");
        }
    }

    /// <summary>The smallest model that satisfies the seam (the grains' tests use a richer one).</summary>
    private sealed class EchoModel : IMemoryModel
    {
        public ModelFingerprint Fingerprint { get; } = ModelFingerprint.Of("echo");
        public int SpanLength => 8;
        public int SlotsPerSpan => 2;
        public int HiddenSize => 4;
        public int MaxDecoderPositions => 256;
        public int RopeScaleFor(int positions) => 1;
        public int[] Tokenize(string text) => text.Select(c => (int)c).ToArray();
        public string Detokenize(IReadOnlyList<int> ids) => new(ids.Select(i => (char)i).ToArray());
        public IReadOnlyList<float[]> EncodeSpans(IReadOnlyList<int[]> spans, CancellationToken ct) => spans.Select(_ => new float[8]).ToArray();

        public async IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<MemoryPrompt> batch, GenerationOptions options,
            [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            for (var r = 0; r < batch.Count; r++) yield return new GeneratedToken(r, 0, 'x');
        }

        public void Dispose()
        {
        }
    }
}
