using MemoryPlatform.Gateway.Options;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Errors;

/// <summary>
/// Maps every exception a request can meet to its HTTP meaning. Grain errors arrive as
/// <see cref="GrainCallException"/> carrying the thrown type's full name; runtime errors keep their types.
/// Anything unknown is a 500 whose message says nothing about internals (the exception is logged instead).
/// </summary>
public sealed class ErrorMapper(IOptions<GatewayOptions> options)
{
    private static readonly string NotFoundType = typeof(DocumentNotFoundException).FullName!;
    private static readonly string ExistsType = typeof(DocumentExistsException).FullName!;
    private static readonly string QuotaType = typeof(QuotaExceededException).FullName!;
    private static readonly string InvalidType = typeof(InvalidRequestException).FullName!;
    private static readonly string NotReadyType = typeof(DocumentNotReadyException).FullName!;
    private static readonly string ArgumentType = typeof(ArgumentException).FullName!;
    private static readonly string TimeoutType = typeof(TimeoutException).FullName!;
    private static readonly string RedisNamespace = typeof(RedisException).Namespace! + ".";

    private int RetryAfter => Math.Max(1, options.Value.RetryAfterSeconds);

    /// <summary>The failure, or null when the exception is a bug (500, logged by the caller).</summary>
    public ApiFailure? Map(Exception exception) => exception switch
    {
        ApiException api => new ApiFailure(api.StatusCode, api.Code, api.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new ApiFailure(413, ErrorCodes.PayloadTooLarge, $"request body larger than {options.Value.MaxRequestBodyBytes} bytes"),
        BadHttpRequestException bad => new ApiFailure(bad.StatusCode, ErrorCodes.InvalidRequest, bad.Message),
        InvalidDataException bad => new ApiFailure(400, ErrorCodes.InvalidRequest, bad.Message), // malformed multipart
        OverloadedException over => new ApiFailure(429, ErrorCodes.Overloaded, "the model is overloaded: " + over.Message, RetryAfter),
        SiloUnavailableException => new ApiFailure(503, ErrorCodes.Unavailable, "no silo could take the call; retry shortly", RetryAfter),
        TimeoutException => new ApiFailure(504, ErrorCodes.Timeout, "the call did not complete in time"),
        RedisException => new ApiFailure(503, ErrorCodes.Unavailable, "storage is unreachable; retry shortly", RetryAfter),
        GrainCallException grain => MapGrain(grain, RetryAfter),
        _ => null,
    };

    private static ApiFailure? MapGrain(GrainCallException e, int retryAfter)
    {
        var type = e.RemoteExceptionType;
        // A grain that lost its Redis (restarting, failing over) failed for a passing reason, as the gateway's own Redis
        // errors do: retryable, not a bug. The grain's message may name servers, so it is not passed on.
        if (type.StartsWith(RedisNamespace, StringComparison.Ordinal))
            return new ApiFailure(503, ErrorCodes.Unavailable, "storage is unreachable; retry shortly", retryAfter);
        if (type == TimeoutType) return new ApiFailure(504, ErrorCodes.Timeout, "the call did not complete in time");
        if (type == NotFoundType) return new ApiFailure(404, ErrorCodes.NotFound, e.Message);
        if (type == ExistsType) return new ApiFailure(409, ErrorCodes.DocumentExists, e.Message);
        if (type == QuotaType) return new ApiFailure(403, ErrorCodes.QuotaExceeded, e.Message);
        if (type == InvalidType) return new ApiFailure(400, ErrorCodes.InvalidRequest, e.Message);
        if (type == NotReadyType) return new ApiFailure(409, ErrorCodes.NotReady, e.Message);
        if (type == ArgumentType) return new ApiFailure(400, ErrorCodes.InvalidRequest, e.Message);
        return null;
    }

    public static ApiFailure Internal => new(500, ErrorCodes.Internal, "internal error");
}
