namespace MemoryPlatform.Gateway.Errors;

/// <summary>
/// Turns any exception below it into the error shape. A request whose client went away is not answered
/// (nobody listens) and not logged as an error; a response already started (an SSE stream) cannot change
/// its status, so the stream endpoints report their own errors in-band and this only aborts the connection.
/// </summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, ErrorMapper mapper, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested)
        {
            logger.LogDebug("Request {Method} {Path} ended by the client: {Error}", context.Request.Method, context.Request.Path, ex.Message);
        }
        catch (Exception ex)
        {
            var failure = mapper.Map(ex);
            if (failure is null)
            {
                logger.LogError(ex, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                failure = ErrorMapper.Internal;
            }
            else if (failure.StatusCode >= 500)
            {
                logger.LogWarning("{Method} {Path} answered {Status}: {Error}", context.Request.Method, context.Request.Path, failure.StatusCode, ex.Message);
            }
            if (context.Response.HasStarted)
            {
                logger.LogWarning("Response of {Method} {Path} already started; aborting after {Error}", context.Request.Method, context.Request.Path, ex.Message);
                context.Abort();
                return;
            }
            await ErrorWriter.WriteAsync(context, failure);
        }
    }
}
