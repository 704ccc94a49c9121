using System.Diagnostics;
using System.Text;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>Runs an external program (dpkg-query, apt-get, bible, spm_train, python3) and captures its output.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <param name="stderrLine">If set, stderr lines are forwarded as they arrive (progress of long runs).</param>
    /// <param name="timeout">If set, the process tree is killed past it and a TimeoutException names the command.</param>
    /// <param name="ct">Cancellation kills the process tree and throws OperationCanceledException.</param>
    public static Result Run(string fileName, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? env = null, Action<string>? stderrLine = null, TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var err = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (err) err.AppendLine(e.Data);
            stderrLine?.Invoke(e.Data);
        };
        p.BeginErrorReadLine();
        using var cancel = ct.Register(() => { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
        // Read stdout concurrently so a chatty child never blocks on a full pipe while we wait.
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {string.Join(' ', psi.ArgumentList)}' ran past {timeout}");
        }
        p.WaitForExit();   // drains the asynchronous stderr reader
        ct.ThrowIfCancellationRequested();
        return new Result(p.ExitCode, stdout.Result, err.ToString());
    }
}
