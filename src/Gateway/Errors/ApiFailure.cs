namespace MemoryPlatform.Gateway.Errors;

/// <summary>What an exception means over HTTP: status, error code, message, and Retry-After seconds when retrying helps.</summary>
public sealed record ApiFailure(int StatusCode, string Code, string Message, int? RetryAfterSeconds = null)
{
    public ErrorBody Body => new(new ErrorDetail(Code, Message));
}
