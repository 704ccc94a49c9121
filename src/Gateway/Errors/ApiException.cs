namespace MemoryPlatform.Gateway.Errors;

/// <summary>A request rejected at the edge (validation, content type, size): becomes the error shape with this status.</summary>
public sealed class ApiException(int statusCode, string code, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Code { get; } = code;

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidRequest, message);
    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, message);
}
