using System.Diagnostics;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>Runs an external program (dpkg-query, apt-get, bible, spm_train) and captures its output.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <param name="stderrLine">If set, stderr lines are forwarded as they arrive (progress of long runs).</param>
    public static Result Run(string fileName, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? env = null, Action<string>? stderrLine = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var err = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (err) err.AppendLine(e.Data);
            stderrLine?.Invoke(e.Data);
        };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new Result(p.ExitCode, stdout, err.ToString());
    }
}
