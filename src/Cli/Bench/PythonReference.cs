using System.Text.Json;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// Runs a reference script under an interpreter that imports its module, torch by default (Debian's python3-torch
/// lives in /usr/bin/python3, which may not be the first python3 on PATH), and parses its JSON output.
/// </summary>
public static class PythonReference
{
    public static string FindInterpreter(string module = "torch")
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (ProcessRunner.Run(candidate, ["-c", $"import {module}"], timeout: TimeSpan.FromSeconds(60)).ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }   // no such interpreter
        }
        throw new InvalidOperationException($"no python3 that imports {module} was found; install python3-{module} (./memplat setup)");
    }

    /// <summary>Runs the script and parses the last line of its output that is a JSON object; cancellation kills it.</summary>
    public static JsonDocument RunScript(string script, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct = default,
                                         string module = "torch")
    {
        var r = ProcessRunner.Run(FindInterpreter(module), [script, .. args], timeout: timeout, ct: ct);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{script} failed with exit code {r.ExitCode}:\n{r.StdOut}{r.StdErr}");
        var json = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{'));
        return JsonDocument.Parse(json);
    }
}
