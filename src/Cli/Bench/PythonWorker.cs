using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// A reference script kept running under the interpreter that imports torch (<see cref="PythonReference"/>) and
/// driven line by line: one command per line on its stdin, one JSON object per line on its stdout, the first being
/// its readiness. This lets a benchmark alternate its own runs with the reference's (<see cref="BenchStats.PairedAsync"/>)
/// instead of timing one whole side after the other. Killed on dispose and when a wait is cancelled or times out.
/// </summary>
public sealed class PythonWorker : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stderr = new();

    /// <summary>The script's first line: what it reports once loaded.</summary>
    public JsonElement Ready { get; private set; }

    private PythonWorker(Process process)
    {
        this.process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
    }

    public static async Task<PythonWorker> StartAsync(string script, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct)
    {
        var info = new ProcessStartInfo(PythonReference.FindInterpreter())
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        var worker = new PythonWorker(Process.Start(info) ?? throw new InvalidOperationException($"cannot start {script}"));
        try
        {
            worker.Ready = await worker.ReadAsync(timeout, ct);
            return worker;
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command line and returns the script's one-line JSON answer.</summary>
    public async Task<JsonElement> AskAsync(string command, TimeSpan timeout, CancellationToken ct)
    {
        await process.StandardInput.WriteLineAsync(command.AsMemory(), ct);
        await process.StandardInput.FlushAsync(ct);
        return await ReadAsync(timeout, ct);
    }

    private async Task<JsonElement> ReadAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"the reference script gave no answer within {timeout.TotalSeconds:F0} s");
        }
        if (line is null)
        {
            await process.WaitForExitAsync(CancellationToken.None);
            string err;
            lock (stderr) err = stderr.ToString();
            throw new InvalidOperationException($"the reference script exited with code {process.ExitCode}:\n{err}");
        }
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.Clone();
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        process.Dispose();
    }
}
