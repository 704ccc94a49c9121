using System.Diagnostics;
using System.Text.Json;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// Runs a reference script under an interpreter that imports torch (Debian's python3-torch lives in
/// /usr/bin/python3, which may not be the first python3 on PATH) and parses its JSON output.
/// </summary>
public static class PythonReference
{
    public static string FindInterpreter()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var (code, _) = Run(candidate, ["-c", "import torch"], TimeSpan.FromSeconds(60));
                if (code == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        throw new InvalidOperationException("no python3 that imports torch was found; install python3-torch (./memplat setup)");
    }

    public static JsonDocument RunScript(string script, IEnumerable<string> args, TimeSpan timeout)
    {
        var (code, output) = Run(FindInterpreter(), [script, .. args], timeout);
        if (code != 0) throw new InvalidOperationException($"{script} failed with exit code {code}:\n{output}");
        var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{'));
        return JsonDocument.Parse(json);
    }

    private static (int Code, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran past {timeout}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
