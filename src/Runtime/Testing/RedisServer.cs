using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MemoryPlatform.Runtime.Testing;

/// <summary>
/// A real redis-server process for tests and benchmarks: its own port and data directory, started
/// and stopped by its owner. Restart keeps port and directory, so an AOF server comes back with its
/// data. Speaks only inline RESP (PING, SHUTDOWN) itself, so it depends on no client library.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly RedisServerOptions _options;
    private readonly bool _ownsDirectory;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private RedisServer(RedisServerOptions options, int port, string dataDirectory, bool ownsDirectory)
    {
        _options = options;
        Port = port;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
    }

    public int Port { get; }
    public string DataDirectory { get; }

    /// <summary>StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<RedisServer> StartAsync(RedisServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new RedisServerOptions();
        var ownsDirectory = options.DataDirectory is null;
        var directory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "memplat-redis-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(options, options.Port == 0 ? FreePort() : options.Port, directory, ownsDirectory);
        try
        {
            await server.StartProcessAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return server;
    }

    private async Task StartProcessAsync(CancellationToken ct)
    {
        var info = new ProcessStartInfo(_options.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DataDirectory,
        };
        foreach (var arg in new[]
                 {
                     "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", DataDirectory, "--save", "",
                     "--appendonly", _options.AppendOnly ? "yes" : "no", "--appendfsync", "everysec",
                     "--maxmemory-policy", "noeviction", "--protected-mode", "no", "--daemonize", "no",
                 })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode}:\n{Log}");
            if (await SendInlineAsync("PING", ct).ConfigureAwait(false) is { } reply && reply.StartsWith("+PONG")) return;
            if (deadline.Elapsed > _options.StartTimeout)
                throw new TimeoutException($"redis-server on port {Port} not ready after {_options.StartTimeout}:\n{Log}");
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The server's output so far (for test failure messages).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>Clean shutdown (SHUTDOWN: the AOF is flushed), then waits for the process to exit.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (_process is not { HasExited: false } process) return;
        await SendInlineAsync("SHUTDOWN", ct).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill();
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Crash: SIGKILL, no flush (up to about a second of AOF writes may be lost).</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill();
        await process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Starts again on the same port and data directory.</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync(ct).ConfigureAwait(false);
        _process?.Dispose();
        await StartProcessAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Starts a stopped or killed server again (same port and directory).</summary>
    public Task StartAgainAsync(CancellationToken ct = default)
    {
        if (IsRunning) throw new InvalidOperationException("redis-server is running");
        _process?.Dispose();
        return StartProcessAsync(ct);
    }

    private async Task<string?> SendInlineAsync(string command, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, ct).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), ct).ConfigureAwait(false);
            var buffer = new byte[256];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
