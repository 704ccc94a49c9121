using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MemoryPlatform.Gateway.Connections;

/// <summary>
/// Answers a request target holding a percent-encoded NUL (<c>%00</c>) with the API's error shape. Kestrel refuses such a
/// path itself, with a bare 400 and no body, while parsing the request line, before any application code runs, and has
/// no setting or hook to change that answer; so this connection middleware looks at each HTTP/1.x request line before
/// Kestrel does (<see cref="GuardedInput"/>, <see cref="Http1Framing"/>), never shows Kestrel a refused one, and writes
/// the 400 itself once Kestrel has answered every request before it. The response closes the connection: what the client
/// sent after the refused line is never read.
/// </summary>
public static class NulTargetGuard
{
    public static readonly ApiFailure Failure = new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidRequest, "the request target contains a NUL (%00)");

    private static readonly byte[] Body = JsonSerializer.SerializeToUtf8Bytes(Failure.Body, ApiJson.Options);

    /// <summary>A client that does not read the refusal within this long is not waited for.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Guards every connection of <paramref name="listen"/>; registered for all endpoints by GatewayHosting.</summary>
    public static void Use(ListenOptions listen)
    {
        var limits = listen.KestrelServerOptions.Limits;
        listen.Use(next => connection => GuardAsync(connection, next, limits));
    }

    private static async Task GuardAsync(ConnectionContext connection, ConnectionDelegate next, KestrelServerLimits limits)
    {
        // Kestrel's own limits bound what is held back: a line or head over them is Kestrel's to refuse, unguarded.
        var framing = new Http1Framing(limits.MaxRequestLineSize, limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize + 2);
        var transport = connection.Transport;
        var input = new GuardedInput(transport.Input, framing, limits.RequestHeadersTimeout);
        connection.Transport = new DuplexPipe(input, transport.Output);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
        }
        if (input.Refused) await RefuseAsync(transport.Output, connection.ConnectionClosed);
    }

    /// <summary>Kestrel has ended its side quietly; the output is still the connection's, until this middleware returns.</summary>
    private static async Task RefuseAsync(PipeWriter output, CancellationToken closed)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closed);
        timeout.CancelAfter(WriteTimeout);
        try
        {
            await output.WriteAsync(Response(), timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client is gone or does not read: nobody to answer.
        }
    }

    private static byte[] Response()
    {
        var head = "HTTP/1.1 400 Bad Request\r\n" +
                   $"Content-Type: {ErrorWriter.ContentType}\r\n" +
                   $"Content-Length: {Body.Length.ToString(CultureInfo.InvariantCulture)}\r\n" +
                   "Connection: close\r\n" +
                   $"Date: {DateTime.UtcNow.ToString("R", CultureInfo.InvariantCulture)}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. Body];
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
