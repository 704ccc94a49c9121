using System.Diagnostics;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.ModelCore.Tests.Data;

public sealed class ProcessRunnerTests
{
    [Fact]
    public void Output_and_exit_code_are_captured()
    {
        var result = ProcessRunner.Run("sh", ["-c", "echo out; echo err >&2; exit 3"]);
        Assert.Equal((3, "out\n", "err\n"), (result.ExitCode, result.StdOut, result.StdErr));
    }

    [Fact]
    public void A_timeout_kills_the_process_and_names_the_command()
    {
        var error = Assert.Throws<TimeoutException>(() => ProcessRunner.Run("sleep", ["30"], timeout: TimeSpan.FromMilliseconds(200)));
        Assert.Contains("sleep 30", error.Message);
    }

    [Fact]
    public void Cancellation_kills_the_process_promptly()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => ProcessRunner.Run("sleep", ["30"], ct: cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }
}
