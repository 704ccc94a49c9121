using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.ModelCore.Tests.Support;

/// <summary>
/// Runs the external programs tests check against (Debian's spm_train, spm_encode, ...).
/// A missing program fails the test with the package to install: these checks are the point
/// of the tests, so they must not quietly skip.
/// </summary>
public static class ExternalTool
{
    public static string Find(string program, string debianPackage)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0)
                continue;
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
                return candidate;
        }
        Assert.Fail($"'{program}' is not on PATH. Install the Debian package '{debianPackage}' " +
                    $"(apt-get install -y {debianPackage}); ./memplat test installs it.");
        return ""; // unreachable
    }

    /// <summary>Runs the program and returns its stdout (UTF-8); a non-zero exit or a timeout fails.</summary>
    public static string Run(string exe, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var argv = args.ToArray();
        var command = $"'{exe} {string.Join(' ', argv)}'";
        ProcessRunner.Result r;
        try
        {
            r = ProcessRunner.Run(exe, argv, timeout: timeout ?? TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{command} timed out");
            throw;
        }
        if (r.ExitCode != 0)
            Assert.Fail($"{command} exited with {r.ExitCode}:\n{r.StdErr}");
        return r.StdOut;
    }
}
