namespace MemoryPlatform.Gateway.Errors;

/// <summary>Gives bodiless error statuses from routing (404 no route, 405 wrong method) the API's error shape.</summary>
public static class StatusCodeErrors
{
    public static Task WriteAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var (code, message) = status switch
        {
            404 => (ErrorCodes.NotFound, $"no route for {context.Request.Path}"),
            405 => (ErrorCodes.MethodNotAllowed, $"{context.Request.Method} is not allowed on {context.Request.Path}"),
            413 => (ErrorCodes.PayloadTooLarge, "request body too large"),
            415 => (ErrorCodes.UnsupportedMediaType, $"unsupported content type '{context.Request.ContentType}'; send application/json (documents also take text/plain or multipart/form-data)"),
            >= 500 => (ErrorCodes.Internal, "internal error"),
            _ => (ErrorCodes.InvalidRequest, "bad request"),
        };
        return ErrorWriter.WriteAsync(context, new ApiFailure(status, code, message));
    }
}
