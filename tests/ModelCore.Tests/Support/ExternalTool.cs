using System.Diagnostics;
using System.Text;

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
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Describe(exe, psi)} timed out");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            Assert.Fail($"{Describe(exe, psi)} exited with {process.ExitCode}:\n{stderr.Result}");
        return stdout.Result;
    }

    private static string Describe(string exe, ProcessStartInfo psi) =>
        $"'{exe} {string.Join(' ', psi.ArgumentList)}'";
}
