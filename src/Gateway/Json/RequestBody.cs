using System.Text;
using System.Text.Json;
using MemoryPlatform.Gateway.Errors;

namespace MemoryPlatform.Gateway.Json;

/// <summary>
/// Reads request bodies at the edge: the whole body (bounded by the request size limit), checked to be
/// valid UTF-8 before anything parses it, then strict JSON (<see cref="ApiJson"/>). Every failure is an
/// <see cref="ApiException"/> with status 400, 415 or (from the size limit) 413.
/// </summary>
public static class RequestBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsJson(HttpRequest request) =>
        request.ContentType is null || MediaType(request) is "application/json";

    public static string? MediaType(HttpRequest request) =>
        request.ContentType is { } ct ? ct.Split(';', 2)[0].Trim().ToLowerInvariant() : null;

    /// <summary>Parses a JSON body into <typeparamref name="T"/>; a missing content type is taken as JSON.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        if (!IsJson(request))
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType,
                $"expected application/json, got {request.ContentType}");
        var bytes = await ReadBytesAsync(request.Body, ct);
        return ParseJson<T>(bytes);
    }

    public static T ParseJson<T>(byte[] bytes) where T : class
    {
        EnsureUtf8(bytes);
        if (bytes.Length == 0) throw new ApiException(400, ErrorCodes.InvalidJson, "request body is empty; expected a JSON object");
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, ApiJson.Options)
                   ?? throw new ApiException(400, ErrorCodes.InvalidJson, "expected a JSON object, got null");
        }
        catch (JsonException ex)
        {
            throw new ApiException(400, ErrorCodes.InvalidJson, Describe(ex));
        }
    }

    /// <summary>Decodes text strictly: invalid UTF-8 is a 400, never replacement characters.</summary>
    public static string DecodeUtf8(byte[] bytes)
    {
        EnsureUtf8(bytes);
        var text = StrictUtf8.GetString(bytes);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text; // a BOM is not part of the document
    }

    public static async Task<byte[]> ReadBytesAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    private static void EnsureUtf8(byte[] bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw new ApiException(400, ErrorCodes.InvalidUtf8, "request body is not valid UTF-8");
    }

    // JsonException messages name the JSON path and position, never our types' internals beyond field names.
    private static string Describe(JsonException ex)
    {
        var message = ex.Message;
        var typeStart = message.IndexOf(" could not be converted to ", StringComparison.Ordinal);
        if (typeStart > 0 && ex.Path is { } path)
            return $"value at {path} has the wrong type or is out of range";
        return message.Replace("MemoryPlatform.Gateway.Contracts.", "", StringComparison.Ordinal);
    }
}
