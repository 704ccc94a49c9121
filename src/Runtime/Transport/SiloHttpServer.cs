using System.Net;
using System.Text.Json;
using MemoryPlatform.Runtime.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Transport;

/// <summary>
/// The silo's inbound endpoint: Kestrel on the silo port, HTTP/2 cleartext only (prior knowledge).
/// POST /rt/v1/invoke takes a JSON <see cref="GrainCallRequest"/> and answers newline-delimited JSON
/// frames (values, then "end", or "err"), flushed one by one so streams arrive as they are produced.
/// Invariants:
/// - the call's CancellationToken is the request's abort (the caller cancelled, timed out or died),
///   further bounded by the caller's remaining time;
/// - every failure is answered as an error frame (status stays 200 once the stream began).
/// </summary>
internal sealed class SiloHttpServer : IAsyncDisposable
{
    public const string InvokePath = "/rt/v1/invoke";

    private readonly WebApplication _app;
    private readonly Func<GrainCallRequest, CancellationToken, IAsyncEnumerable<JsonElement>> _handler;
    private readonly ILogger _logger;

    public SiloHttpServer(IPAddress listenAddress, int port, TransportOptions options, ILoggerFactory loggerFactory,
        Func<GrainCallRequest, CancellationToken, IAsyncEnumerable<JsonElement>> handler)
    {
        _handler = handler;
        _logger = loggerFactory.CreateLogger<SiloHttpServer>();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedServerLifetime>(); // replaces ConsoleLifetime: no signal handling here
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(listenAddress, port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>Starts listening; returns the bound port (the configured one, or the one picked for port 0).</summary>
    public async Task<int> StartAsync(CancellationToken ct)
    {
        await _app.StartAsync(ct).ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.First();
        return new Uri(address).Port;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != InvokePath || !HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var aborted = context.RequestAborted;
        GrainCallRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<GrainCallRequest>(context.Request.Body, WireJson.Options, aborted)
                .ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(ex.Message, aborted).ConfigureAwait(false);
            return;
        }
        if (request is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.ContentType = "application/x-ndjson";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        if (request.TimeoutMs > 0) deadline.CancelAfter(request.TimeoutMs);
        var body = context.Response.Body;
        try
        {
            await foreach (var value in _handler(request, deadline.Token).ConfigureAwait(false))
                await WriteFrameAsync(body, new WireFrame { K = WireFrame.Value, V = value }, aborted).ConfigureAwait(false);
            await WriteFrameAsync(body, new WireFrame { K = WireFrame.End }, aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            // Our own deadline fired: to the caller that is a timeout, not a cancellation.
            var error = ex is OperationCanceledException && deadline.IsCancellationRequested
                ? new TimeoutException($"call {request.GrainType}/{request.Key}.{request.Method} timed out at the callee")
                : ex;
            if (error is not Core.GrainCallException)
                _logger.LogDebug("Call {Grain}.{Method} failed: {Error}", request.GrainType, request.Method, error.Message);
            await WriteFrameAsync(body, new WireFrame { K = WireFrame.Error, E = CallErrors.ToWire(error) }, aborted)
                .ConfigureAwait(false);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The caller is gone; nobody to answer.
        }
    }

    private static async Task WriteFrameAsync(Stream body, WireFrame frame, CancellationToken ct)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(frame, WireJson.Options);
        await body.WriteAsync(bytes, ct).ConfigureAwait(false);
        await body.WriteAsync("\n"u8.ToArray(), ct).ConfigureAwait(false);
        await body.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Graceful stop: in-flight calls get <paramref name="grace"/> to finish.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        using var cts = new CancellationTokenSource(grace);
        await _app.StopAsync(cts.Token).ConfigureAwait(false);
    }

    /// <summary>Kill: close every connection now (callers see resets, new connects are refused).</summary>
    public Task KillAsync() => _app.StopAsync(new CancellationToken(canceled: true));

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
