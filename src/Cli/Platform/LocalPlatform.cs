using System.Diagnostics;
using System.Security.Cryptography;
using MemoryPlatform.ModelCore.Data;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.Runtime.Testing;

namespace MemoryPlatform.Cli.Platform;

/// <summary>What `memplat up` starts.</summary>
public sealed record LocalPlatformOptions(int Port, string? AdminKey, int Silos, string ModelDir, string AdapterDir, string Device, string StateDir)
{
    /// <summary>Silo i listens on FirstSiloPort + i (silo-to-silo calls) and FirstSiloPort + 100 + i (health).</summary>
    public int FirstSiloPort { get; init; } = 11111;

    /// <summary>Extra configuration (environment variables) of every silo, e.g. the shorter timeouts `memplat chaos` runs with.</summary>
    public IReadOnlyDictionary<string, string> SiloSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra configuration (environment variables) of the gateway.</summary>
    public IReadOnlyDictionary<string, string> GatewaySettings { get; init; } = new Dictionary<string, string>();

    /// <summary>False: start the silo and gateway an earlier start built, without building again.</summary>
    public bool Build { get; init; } = true;
}

/// <summary>
/// The whole platform on one machine: a redis-server with its data under the repository's ignored
/// <c>.memplat/</c> folder (AOF on, so documents survive a restart), N silo processes, and the gateway.
/// Processes start in dependency order and stop in reverse; if any dies, everything stops and its log tail is shown.
/// </summary>
public sealed class LocalPlatform : IAsyncDisposable
{
    private readonly List<ChildProcess> children = [];
    private readonly List<(string Dll, Dictionary<string, string> Environment)> siloStarts = [];
    private readonly List<int> siloRestarts = [];
    private RedisServer? redis;
    private string logs = "";
    private int firstSiloPort;

    public string Url { get; private set; } = "";
    public string AdminKey { get; private set; } = "";
    public IReadOnlyList<ChildProcess> Children => children;

    /// <summary>The silo processes, by index (a restarted silo replaces its predecessor), then the gateway.</summary>
    public IReadOnlyList<ChildProcess> Silos => children.Take(siloStarts.Count).ToList();
    public ChildProcess Gateway => children[^1];
    public RedisServer Redis => redis ?? throw new InvalidOperationException("the platform is not running");
    public string LogDirectory => logs;

    /// <summary>Silo <paramref name="index"/>'s readiness probe (running, and its Redis connections up).</summary>
    public string SiloReadyUrl(int index) => $"http://127.0.0.1:{firstSiloPort + 100 + index}/readyz";

    /// <summary>Builds the silo and gateway, starts everything and waits until the gateway is ready.</summary>
    public static async Task<LocalPlatform> StartAsync(LocalPlatformOptions options, Action<string> progress, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(options.ModelDir, "config.json")))
            throw new FileNotFoundException($"no model at {options.ModelDir} (config.json missing); pass --model DIR");
        var platform = new LocalPlatform();
        try
        {
            await platform.RunAsync(options, progress, ct);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    private async Task RunAsync(LocalPlatformOptions o, Action<string> progress, CancellationToken ct)
    {
        var artifacts = Path.Combine(RepoPaths.Root, "artifacts");
        var silo = Path.Combine(artifacts, "silo");
        var gateway = Path.Combine(artifacts, "gateway");
        if (o.Build)
        {
            progress("building the silo and the gateway");
            await BuildAsync("src/Silo/Silo.csproj", silo, ct);
            await BuildAsync("src/Gateway/Gateway.csproj", gateway, ct);
        }

        AdminKey = o.AdminKey ?? PersistentAdminKey(o.StateDir);
        progress($"starting redis-server (data in {Path.Combine(o.StateDir, "redis")})");
        redis = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true, DataDirectory = Path.Combine(o.StateDir, "redis") }, ct);
        logs = Path.Combine(o.StateDir, "logs");
        firstSiloPort = o.FirstSiloPort;
        var cluster = new Dictionary<string, string>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["Silo__ClusterId"] = "local",
            ["Silo__RedisConnectionString"] = redis.ConnectionString,
            ["Grains__ControlRedis"] = redis.ConnectionString,
            ["Cluster__ClusterId"] = "local",
            ["Cluster__RedisConnectionString"] = redis.ConnectionString,
        };
        for (var i = 0; i < o.Silos; i++)
        {
            progress($"starting silo {i + 1} of {o.Silos}");
            var environment = new Dictionary<string, string>(cluster)
            {
                ["Silo__AdvertisedHost"] = "127.0.0.1",
                ["Silo__Port"] = (o.FirstSiloPort + i).ToString(),
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{o.FirstSiloPort + 100 + i}",
                ["Grains__Model__Path"] = o.ModelDir,
                ["Grains__Model__AdapterPath"] = o.AdapterDir,
                ["Grains__Model__Device"] = o.Device,
            };
            foreach (var (key, value) in o.SiloSettings) environment[key] = value;
            siloStarts.Add((Path.Combine(silo, "Silo.dll"), environment));
            siloRestarts.Add(0);
            children.Add(ChildProcess.Start($"silo-{i + 1}", Path.Combine(silo, "Silo.dll"), environment, logs));
        }
        progress("starting the gateway");
        var gatewayEnv = new Dictionary<string, string>(cluster)
        {
            ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{o.Port}",
            ["Gateway__AdminKey"] = AdminKey,
        };
        foreach (var (key, value) in ModelShape(o.ModelDir, o.AdapterDir)) gatewayEnv["Gateway__Model__" + key] = value;
        foreach (var (key, value) in o.GatewaySettings) gatewayEnv[key] = value;
        children.Add(ChildProcess.Start("gateway", Path.Combine(gateway, "Gateway.dll"), gatewayEnv, logs));
        Url = $"http://localhost:{o.Port}";
        await WaitReadyAsync(Url + "/readyz", TimeSpan.FromMinutes(3), ct);
    }

    /// <summary>What GET /v1/model reports (memory vs raw text vs KV cache), read from the served model's own files.</summary>
    private static IEnumerable<(string, string)> ModelShape(string modelDir, string adapterDir)
    {
        var config = LlamaConfig.Load(Path.Combine(modelDir, "config.json"));
        yield return ("Name", Path.GetFileName(modelDir.TrimEnd('/')));
        yield return ("HiddenSize", config.HiddenSize.ToString());
        yield return ("Layers", config.NumHiddenLayers.ToString());
        yield return ("KvHeads", config.NumKeyValueHeads.ToString());
        yield return ("HeadDim", config.HeadDim.ToString());
        var icaeConfig = Path.Combine(adapterDir, IcaeConfig.FileName);
        if (!File.Exists(icaeConfig)) yield break;
        var icae = IcaeConfig.Load(icaeConfig);
        yield return ("MaxDecoderPositions", icae.MaxDecoderPositions(config).ToString());
        yield return ("SpanLength", icae.SpanLength.ToString());
        yield return ("SlotsPerSpan", icae.MemoryTokens.ToString());
    }

    /// <summary>Polls the gateway's readiness (Redis reachable, a silo active) while checking that nothing died.</summary>
    private async Task WaitReadyAsync(string url, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            ThrowIfAnyExited();
            try
            {
                using var response = await http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"the gateway was not ready after {timeout.TotalSeconds:F0} s; logs in {Path.GetDirectoryName(children[0].LogPath)}");
            await Task.Delay(500, ct);
        }
    }

    /// <summary>Kills silo <paramref name="index"/> with SIGKILL: no goodbye to the membership table, no hand-over.</summary>
    public Task KillSiloAsync(int index) => children[index].KillAsync();

    /// <summary>Starts silo <paramref name="index"/> again with its settings (same ports); its log is a new file.</summary>
    public async Task RestartSiloAsync(int index)
    {
        if (!children[index].HasExited) throw new InvalidOperationException($"{children[index].Name} is still running");
        await children[index].DisposeAsync();
        var (dll, environment) = siloStarts[index];
        siloRestarts[index]++;
        children[index] = ChildProcess.Start($"silo-{index + 1}.restart-{siloRestarts[index]}", dll, environment, logs);
    }

    /// <summary>Throws with the log tail of the first child that exited.</summary>
    public void ThrowIfAnyExited()
    {
        if (children.FirstOrDefault(c => c.HasExited) is { } dead)
            throw new InvalidOperationException($"{dead.Name} exited with code {dead.ExitCode}; the end of {dead.LogPath}:\n{dead.Tail()}");
    }

    private static async Task BuildAsync(string project, string output, CancellationToken ct)
    {
        var result = await Task.Run(() => ProcessRunner.Run("dotnet",
            ["build", Path.Combine(RepoPaths.Root, project), "-c", "Release", "-o", output, "-nologo", "-v:q"], ct: ct), ct);
        if (result.ExitCode != 0) throw new InvalidOperationException($"building {project} failed:\n{result.StdOut}{result.StdErr}");
    }

    /// <summary>One admin key per checkout, kept (mode 600) so restarts do not invalidate it.</summary>
    private static string PersistentAdminKey(string stateDir)
    {
        Directory.CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, "admin-key");
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        var key = "mpadmin_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        File.WriteAllText(path, key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        // Reverse order: the gateway stops taking requests before the silos that serve them go.
        for (var i = children.Count - 1; i >= 0; i--) await children[i].DisposeAsync();
        children.Clear();
        if (redis is not null) await redis.DisposeAsync();
        redis = null;
    }
}
