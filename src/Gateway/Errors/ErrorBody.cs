namespace MemoryPlatform.Gateway.Errors;

/// <summary>The one error shape of the API: <c>{"error": {"code": "...", "message": "..."}}</c>.</summary>
public sealed record ErrorBody(ErrorDetail Error);

/// <summary>A stable machine-readable code (snake_case) and a human-readable message.</summary>
public sealed record ErrorDetail(string Code, string Message);
