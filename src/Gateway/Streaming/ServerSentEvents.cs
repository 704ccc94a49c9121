using System.Text;
using System.Text.Json;
using MemoryPlatform.Gateway.Json;

namespace MemoryPlatform.Gateway.Streaming;

/// <summary>
/// Server-Sent Events framing: <c>event: NAME\ndata: JSON\n\n</c>, flushed per event. The JSON is written on one
/// line (no indentation; a newline inside a string is escaped), so one data line carries one event.
/// </summary>
public static class ServerSentEvents
{
    public const string ContentType = "text/event-stream; charset=utf-8";

    public static void Start(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // reverse proxies must not buffer a stream
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    public static async Task WriteAsync<T>(HttpResponse response, string eventName, T data, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(data, ApiJson.Options);
        var frame = new byte[json.Length + eventName.Length + 16];
        var n = Encoding.ASCII.GetBytes("event: " + eventName + "\ndata: ", frame);
        json.CopyTo(frame, n);
        n += json.Length;
        frame[n++] = (byte)'\n';
        frame[n++] = (byte)'\n';
        await response.Body.WriteAsync(frame.AsMemory(0, n), ct);
        await response.Body.FlushAsync(ct);
    }
}
