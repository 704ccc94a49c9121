using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Options;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace MemoryPlatform.Gateway.Limits;

/// <summary>
/// Bounds request bodies to <see cref="GatewayOptions.MaxRequestBodyBytes"/>: a declared Content-Length over the
/// limit is refused before reading (413); a chunked body is cut off by the server's own limit, which this sets
/// per request, while reading (BadHttpRequestException 413, mapped to the error shape).
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
            return ErrorWriter.WriteAsync(context, new ApiFailure(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge,
                $"request body of {context.Request.ContentLength} bytes is larger than the limit of {limit} bytes"));
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;
        return next(context);
    }
}
