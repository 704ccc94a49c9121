using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>An HTTP/1.1 response as it came off the wire: status, headers (names lower-cased), body (de-chunked).</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
}

/// <summary>
/// One TCP connection to a gateway, written byte for byte: what HttpClient will not send (a NUL in a target, pipelined
/// requests, a request line in pieces) and what it hides (Connection: close, the connection closing).
/// </summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttpConnection> OpenAsync(Uri baseAddress)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        return new RawHttpConnection(client);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task<RawResponse> ReadResponseAsync()
    {
        var status = await ReadLineAsync() ?? throw new IOException("the connection closed before a response");
        var parts = status.Split(' ', 3);
        Assert.StartsWith("HTTP/1.1", parts[0]);
        var headers = new Dictionary<string, string>();
        while (await ReadLineAsync() is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        string body;
        if (headers.TryGetValue("content-length", out var length))
        {
            body = Encoding.UTF8.GetString(await ReadBytesAsync(int.Parse(length, CultureInfo.InvariantCulture)));
        }
        else if (headers.GetValueOrDefault("transfer-encoding") == "chunked")
        {
            var text = new StringBuilder();
            while (int.Parse((await ReadLineAsync())!.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) is var size && size > 0)
            {
                text.Append(Encoding.UTF8.GetString(await ReadBytesAsync(size)));
                await ReadLineAsync();
            }
            while (await ReadLineAsync() is { Length: > 0 }) { } // trailers
            body = text.ToString();
        }
        else
        {
            body = "";
        }
        return new RawResponse(int.Parse(parts[1], CultureInfo.InvariantCulture), headers, body);
    }

    /// <summary>True when the server closed the connection without sending anything more.</summary>
    public async Task<bool> ClosedAsync()
    {
        try
        {
            return _start == _end && await FillAsync() == 0;
        }
        catch (IOException)
        {
            return true; // reset: closed as well
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end && await FillAsync() == 0) return line.Count == 0 ? null : throw new IOException("the connection closed mid-line");
            var b = _buffer[_start++];
            if (b == '\n') return Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
            line.Add(b);
        }
    }

    private async Task<byte[]> ReadBytesAsync(int count)
    {
        var bytes = new byte[count];
        for (var filled = 0; filled < count;)
        {
            if (_start == _end && await FillAsync() == 0) throw new IOException("the connection closed mid-body");
            var n = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, bytes, filled, n);
            _start += n;
            filled += n;
        }
        return bytes;
    }

    private async Task<int> FillAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, timeout.Token);
        return _end;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
