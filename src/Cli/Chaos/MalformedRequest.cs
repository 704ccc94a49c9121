using System.Net.Http.Headers;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// One request the API must refuse with a 4xx in its error shape. Kept as plain parts (raw body bytes, raw header
/// values) so that it can carry what a typed client would never send: invalid UTF-8, lying content types.
/// </summary>
/// <param name="Chunked">Send the body chunked (no Content-Length), so the server can only find it too large while reading.</param>
/// <param name="ExpectContinue">Ask before sending the body (Expect: 100-continue), as curl does for bodies over 1 MB: a server refusing
/// it answers first, and the client reads that answer instead of writing into a connection being closed.</param>
public sealed record MalformedRequest(string Category, string Method, string Path, byte[]? Body = null, string? ContentType = null,
    string? Authorization = null, bool Chunked = false, bool ExpectContinue = false)
{
    public HttpRequestMessage ToHttp()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(Path, UriKind.Relative));
        if (Authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        if (Body is not null)
        {
            HttpContent content = Chunked ? new StreamContent(new MemoryStream(Body)) : new ByteArrayContent(Body);
            content.Headers.ContentType = null;
            if (ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            request.Content = content;
            if (Chunked) request.Headers.TransferEncodingChunked = true;
            if (ExpectContinue) request.Headers.ExpectContinue = true;
        }
        return request;
    }

    public static string Bearer(string key) => new AuthenticationHeaderValue("Bearer", key).ToString();

    /// <summary>The start of the body, for a failure message.</summary>
    public string BodySample => Body is null ? "" : System.Text.Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 100)));
}
