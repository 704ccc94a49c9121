using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Messaging;

namespace MemoryPlatform.Runtime.Transport;

/// <summary>
/// Outbound silo-to-silo calls: one HttpClient speaking HTTP/2 with prior knowledge (h2c), many
/// concurrent calls multiplexed per connection; reads the response's frames as they arrive.
/// Invariants:
/// - a failure to connect is "not delivered" (safe to retry elsewhere); any failure after the request
///   may have been sent is <see cref="SiloUnavailableException"/> (never retried: the grain may have run);
/// - an error frame becomes the typed exception it describes (<see cref="CallErrors"/>);
/// - the caller's token aborts the HTTP/2 stream, which cancels the call at the callee.
/// </summary>
internal sealed class SiloHttpClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;

    public SiloHttpClient(TransportOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingDelay,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            UseProxy = false,
        };
        _http = new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan, // deadlines are the caller's tokens
        };
    }

    public async IAsyncEnumerable<JsonElement> SendAsync(string address, GrainCallRequest request,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"http://{address}{SiloHttpServer.InvokePath}")
        {
            // Per message: HttpClient's defaults apply only to its convenience methods.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, WireJson.Options))
            {
                Headers = { ContentType = Json },
            },
        };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new CallNotDeliveredException($"silo {address} unreachable: {ex.Message}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SiloUnavailableException($"call to silo {address} failed: {ex.Message}", ex);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var detail = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                throw new SiloUnavailableException($"silo {address} answered {(int)response.StatusCode}: {detail}");
            }
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    throw new SiloUnavailableException($"connection to silo {address} lost mid-call: {ex.Message}", ex);
                }
                if (line is null) throw new SiloUnavailableException($"silo {address} closed the call without an end frame");
                var frame = JsonSerializer.Deserialize<WireFrame>(line, WireJson.Options)
                    ?? throw new SiloUnavailableException($"silo {address} sent an empty frame");
                switch (frame.K)
                {
                    case WireFrame.Value:
                        yield return frame.V ?? WireJson.Null;
                        break;
                    case WireFrame.End:
                        yield break;
                    default:
                        throw CallErrors.FromWire(frame.E ?? new WireError("unavailable", "", "malformed error frame", null));
                }
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
