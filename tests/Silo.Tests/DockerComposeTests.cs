using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Silo.Tests;

/// <summary>docker-compose.yml as Debian's docker-compose reads it (no Docker daemon needed for `config`).</summary>
public sealed class DockerComposeTests
{
    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "docker-compose.yml"))) return dir.FullName;
        throw new FileNotFoundException("docker-compose.yml not found above " + AppContext.BaseDirectory);
    }

    private static ProcessRunner.Result Config(string adminKey, params string[] args) =>
        ProcessRunner.Run("docker-compose", ["-f", Path.Combine(Root(), "docker-compose.yml"), .. args, "config"],
            env: new Dictionary<string, string> { ["MEMPLAT_ADMIN_KEY"] = adminKey }, timeout: TimeSpan.FromMinutes(1));

    [Fact]
    public void Compose_file_is_accepted_with_redis_aof_two_silos_each_advertising_itself_and_the_gateway()
    {
        var result = Config("test-admin-key");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var yaml = result.StdOut;
        Assert.Contains("--appendonly", yaml);
        Assert.Contains("noeviction", yaml);
        Assert.Contains("Silo__AdvertisedHost: silo1", yaml);
        Assert.Contains("Silo__AdvertisedHost: silo2", yaml);
        Assert.Contains("Gateway__AdminKey: test-admin-key", yaml);
        Assert.Contains("Grains__Model__Path: /app/models/memplat-tiny", yaml);
        Assert.Contains("profiles:\n    - gpu", yaml);   // the GPU silo starts only with its profile
    }

    [Fact]
    public void Gpu_profile_adds_a_cuda_silo_that_reserves_an_nvidia_device()
    {
        var result = Config("test-admin-key", "--profile", "gpu");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("silo-gpu", result.StdOut);
        Assert.Contains("driver: nvidia", result.StdOut);
        Assert.Contains("Grains__Model__Device: cuda:0", result.StdOut);
    }

    [Fact]
    public void Without_an_admin_key_compose_refuses_to_start_an_open_gateway()
    {
        var result = Config(adminKey: "");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("MEMPLAT_ADMIN_KEY", result.StdErr);
    }
}
