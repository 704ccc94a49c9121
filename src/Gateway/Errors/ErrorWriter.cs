using System.Globalization;
using System.Text.Json;
using MemoryPlatform.Gateway.Json;

namespace MemoryPlatform.Gateway.Errors;

/// <summary>Writes the error shape (and Retry-After when given) to a response that has not started.</summary>
public static class ErrorWriter
{
    /// <summary>The error shape's content type, also written by the connection-level refusal (Connections/NulTargetGuard).</summary>
    public const string ContentType = "application/json; charset=utf-8";

    public static async Task WriteAsync(HttpContext context, ApiFailure failure, Action<HttpResponse>? headers = null)
    {
        var response = context.Response;
        response.Clear(); // drop whatever the failed handler had set
        response.StatusCode = failure.StatusCode;
        headers?.Invoke(response);
        if (failure.RetryAfterSeconds is { } seconds)
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // The rest of an oversized body is never read, so the server closes the connection after answering: saying so
        // keeps the client from sending its next request on a connection about to close (it would see no answer at all).
        if (failure.StatusCode == StatusCodes.Status413PayloadTooLarge) response.Headers.Connection = "close";
        response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(response.Body, failure.Body, ApiJson.Options, context.RequestAborted);
    }

    /// <summary>An <see cref="IResult"/> carrying the error shape, for endpoints that answer an error themselves.</summary>
    public static IResult Result(ApiFailure failure) => new ErrorResult(failure);

    private sealed class ErrorResult(ApiFailure failure) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, failure);
    }
}
